package io.c254.streaming.auth;

import java.util.Collection;
import java.util.Set;

/**
 * Who is on a connection, as their token says.
 *
 * @param allRoles local mode's `test-token` holds every role, whatever the registry asks for
 */
public record Identity(String userId, String tenantId, Set<String> roles, boolean allRoles) {

    public Identity {
        roles = Set.copyOf(roles);
    }

    public boolean hasAnyRole(Collection<String> wanted) {
        return wanted.isEmpty() || allRoles || wanted.stream().anyMatch(roles::contains);
    }
}
