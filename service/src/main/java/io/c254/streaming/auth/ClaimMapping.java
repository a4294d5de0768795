package io.c254.streaming.auth;

import com.nimbusds.jwt.JWTClaimsSet;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which claims name the user, the tenant and the roles. Roles may sit at a dotted path
 * (`realm_access.roles` in Keycloak tokens) and be a list or a space-separated string.
 */
record ClaimMapping(String userClaim, String tenantClaim, String rolesClaim) {

    /** The identity the claims describe, or the reason they describe none. */
    Verification identity(JWTClaimsSet claims, java.time.Instant expiresAt) {
        String user = text(claims.getClaim(userClaim));
        if (user == null) {
            return new Verification.Rejected("token has no " + userClaim + " claim (the user id)");
        }
        String tenant = text(claims.getClaim(tenantClaim));
        if (tenant == null) {
            return new Verification.Rejected("token has no " + tenantClaim + " claim (the tenant id) as a non-empty string");
        }
        return new Verification.Verified(new Identity(user, tenant, roles(at(claims.getClaims(), rolesClaim)), false), expiresAt);
    }

    private static String text(Object claim) {
        return claim instanceof String value && !value.isBlank() ? value : null;
    }

    private static Object at(Map<String, Object> claims, String path) {
        Object current = claims;
        for (String step : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(step);
        }
        return current;
    }

    private static Set<String> roles(Object claim) {
        Set<String> roles = new LinkedHashSet<>();
        if (claim instanceof Collection<?> list) {
            list.forEach(role -> roles.add(String.valueOf(role)));
        } else if (claim instanceof String text) {
            roles.addAll(Arrays.asList(text.trim().split("\\s+")));
        }
        roles.remove("");
        return roles;
    }
}
