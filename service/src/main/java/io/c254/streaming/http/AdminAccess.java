package io.c254.streaming.http;

import io.c254.streaming.auth.Authenticator;
import io.c254.streaming.auth.Verification;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.c254.streaming.transport.CorsPolicy;
import io.c254.streaming.transport.Tokens;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Who may read the operator's views (`/admin/...`, what the web console shows): anyone in local mode;
 * otherwise a token holding the admin role (ACCESS_ADMIN_ROLE), from a page of an allowed origin.
 * Read-only views: nothing here can change the instance, so a role check is all it takes.
 */
public final class AdminAccess {

    private final Authenticator authenticator;
    private final CorsPolicy origins;
    private final String adminRole;
    private final List<String> admins;

    public AdminAccess(Authenticator authenticator, CorsPolicy origins, String adminRole) {
        this.authenticator = authenticator;
        this.origins = origins;
        this.adminRole = adminRole;
        this.admins = List.of(adminRole);
    }

    /** Empty when the request may read; otherwise the problem to answer. Token checks may block: off the event loop. */
    public CompletionStage<Optional<Problem>> check(HttpRequest request, QueryStringDecoder query) {
        if (!origins.admits(request)) {
            return done(Problem.of(ErrorCode.FORBIDDEN,
                    "Origin " + request.headers().get(HttpHeaderNames.ORIGIN) + " is not allowed to read the admin views here"));
        }
        if (authenticator.isLocal()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return authenticator.authenticate(Tokens.from(request, query)).thenApply(this::decide);
    }

    private Optional<Problem> decide(Verification verification) {
        return switch (verification) {
            case Verification.Rejected rejected -> Optional.of(Problem.of(ErrorCode.UNAUTHORIZED, rejected.reason()));
            case Verification.Verified verified when verified.identity().hasAnyRole(admins) -> Optional.empty();
            case Verification.Verified verified -> Optional.of(Problem.of(ErrorCode.FORBIDDEN,
                    "The admin views need the '" + adminRole + "' role (ACCESS_ADMIN_ROLE); the token of "
                            + verified.identity().userId() + " does not hold it"));
        };
    }

    private static CompletionStage<Optional<Problem>> done(Problem problem) {
        return CompletableFuture.completedFuture(Optional.of(problem));
    }
}
