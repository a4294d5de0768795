package io.c254.streaming.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.c254.streaming.config.Config;
import io.c254.streaming.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import static io.c254.streaming.auth.Verifications.rejected;
import static io.c254.streaming.auth.Verifications.verified;
import static org.assertj.core.api.Assertions.assertThat;

class AuthenticatorTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private static final String OTHER_SECRET = "fedcba9876543210fedcba9876543210";
    private static final Instant IN_AN_HOUR = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    private final Authenticator local = new Authenticator(true, Optional.of(hmac(SECRET)), Runnable::run);
    private final Authenticator production = new Authenticator(false, Optional.of(hmac(SECRET)), Runnable::run);

    @Test
    void testTokenIsAcceptedInLocalMode() {
        Verification verification = local.authenticateNow(Authenticator.TEST_TOKEN);

        Identity identity = verified(verification).identity();
        assertThat(identity.userId()).isEqualTo("user-123");
        assertThat(identity.tenantId()).isEqualTo("tenant-1");
        assertThat(identity.hasAnyRole(List.of("admin"))).isTrue();
        assertThat(verified(verification).expiresAt()).isNull();
    }

    @Test
    void testTokenIsRejectedOutsideLocalMode() {
        assertThat(rejected(production.authenticateNow("test-token"))).contains("ACCESS_ENV=local");
        assertThat(rejected(new Authenticator(false, Optional.empty(), Runnable::run).authenticateNow("test-token"))).contains("ACCESS_ENV=local");
    }

    @Test
    void signedTokenGivesTheIdentityItNames() {
        String token = sign(SECRET, claims().build());

        for (Authenticator authenticator : List.of(local, production)) {
            Verification.Verified verified = verified(authenticator.authenticateNow(token));
            assertThat(verified.identity()).isEqualTo(new Identity("alice", "acme", Set.of("analyst", "trader"), false));
            assertThat(verified.expiresAt()).isEqualTo(IN_AN_HOUR);
        }
    }

    @Test
    void rolesMayBeASpaceSeparatedString() {
        String token = sign(SECRET, claims().claim("roles", " analyst  trader ").build());

        assertThat(verified(production.authenticateNow(token)).identity().roles()).containsExactlyInAnyOrder("analyst", "trader");
    }

    @Test
    void tokenWithoutRolesHasNone() {
        String token = sign(SECRET, claims().claim("roles", null).build());

        Identity identity = verified(production.authenticateNow(token)).identity();
        assertThat(identity.roles()).isEmpty();
        assertThat(identity.hasAnyRole(List.of("viewer"))).isFalse();
    }

    @Test
    void expiredTokenIsRejected() {
        String token = sign(SECRET, claims().expirationTime(Date.from(Instant.now().minus(1, ChronoUnit.HOURS))).build());

        assertThat(rejected(production.authenticateNow(token))).contains("xpired");
    }

    @Test
    void tokenSignedWithAnotherSecretIsRejected() {
        assertThat(rejected(production.authenticateNow(sign(OTHER_SECRET, claims().build())))).isEqualTo("token rejected: Signed JWT rejected: Invalid signature");
    }

    @Test
    void tamperedTokenIsRejected() {
        String token = sign(SECRET, claims().build());
        String[] parts = token.split("\\.");
        String forgedClaims = Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims().subject("mallory").build().toString().getBytes(StandardCharsets.UTF_8));

        assertThat(rejected(production.authenticateNow(parts[0] + "." + forgedClaims + "." + parts[2])))
                .isEqualTo("token rejected: Signed JWT rejected: Invalid signature");
    }

    @Test
    void unsignedTokenIsRejected() {
        String token = new PlainJWT(claims().build()).serialize();

        assertThat(rejected(production.authenticateNow(token))).isEqualTo("token is not signed (alg=none and encrypted tokens are not accepted)");
        assertThat(rejected(local.authenticateNow(token))).isEqualTo("token is not signed (alg=none and encrypted tokens are not accepted)");
    }

    @Test
    void tokenSignedWithAnotherHmacAlgorithmIsRejected() {
        String longSecret = SECRET + SECRET;
        Authenticator authenticator = new Authenticator(false, Optional.of(hmac(longSecret)), Runnable::run);

        assertThat(rejected(authenticator.authenticateNow(sign(JWSAlgorithm.HS512, longSecret, claims().build()))))
                .isEqualTo("token algorithm HS512 is not accepted; accepted: HS256");
        verified(authenticator.authenticateNow(sign(JWSAlgorithm.HS256, longSecret, claims().build())));
    }

    @Test
    void tokenWithoutTenantIsRejectedNamingTenantId() {
        assertThat(rejected(production.authenticateNow(sign(SECRET, claims().claim("tenant_id", null).build())))).contains("tenant_id");
        assertThat(rejected(production.authenticateNow(sign(SECRET, claims().claim("tenant_id", " ").build())))).contains("tenant_id");
        assertThat(rejected(production.authenticateNow(sign(SECRET, claims().claim("tenant_id", 7).build())))).contains("tenant_id");
    }

    @Test
    void tokenWithoutExpiryIsRejected() {
        assertThat(rejected(production.authenticateNow(sign(SECRET, claims().expirationTime(null).build())))).contains("exp");
    }

    @Test
    void tokenWithoutSubjectIsRejected() {
        assertThat(rejected(production.authenticateNow(sign(SECRET, claims().subject(null).build())))).contains("sub");
    }

    @Test
    void tokenWithBlankSubjectIsRejected() {
        assertThat(rejected(production.authenticateNow(sign(SECRET, claims().subject(" ").build())))).contains("sub");
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "not.a.jwt", "Bearer x"})
    void textThatIsNotAJwtIsRejectedAsSuch(String token) {
        assertThat(rejected(production.authenticateNow(token))).isEqualTo("token is not a JWT");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   "})
    void missingTokenIsRejectedSayingHowToPassOne(String token) {
        assertThat(rejected(local.authenticateNow(token))).contains("?token=").contains("Authorization: Bearer");
    }

    @Test
    void jwtWithoutAConfiguredSecretIsRejectedNamingTheSetting() {
        Authenticator noVerifier = new Authenticator(true, Optional.empty(), Runnable::run);

        assertThat(rejected(noVerifier.authenticateNow(sign(SECRET, claims().build())))).contains("ACCESS_JWT_SECRET");
        assertThat(noVerifier.canVerify()).isTrue();
        assertThat(new Authenticator(false, Optional.empty(), Runnable::run).canVerify()).isFalse();
    }

    @Test
    void authenticatorFromProductionConfigVerifiesJwtsButNotTheTestToken() {
        Authenticator fromConfig = fromConfig(ConfigLoader.load(Map.of("ACCESS_ENV", "production", "ACCESS_JWT_SECRET", SECRET)));

        verified(fromConfig.authenticateNow(sign(SECRET, claims().build())));
        rejected(fromConfig.authenticateNow(Authenticator.TEST_TOKEN));
    }

    @Test
    void aJwtIsVerifiedOnTheBlockingExecutorNotOnTheCallersThread() {
        Queue<Runnable> blocking = new ArrayDeque<>();
        Authenticator authenticator = new Authenticator(false, Optional.of(hmac(SECRET)), blocking::add);

        CompletableFuture<Verification> pending = authenticator.authenticate(sign(SECRET, claims().build())).toCompletableFuture();

        assertThat(pending).isNotDone();
        assertThat(blocking).hasSize(1);
        blocking.remove().run();
        assertThat(pending.join()).isEqualTo(new Verification.Verified(new Identity("alice", "acme", Set.of("analyst", "trader"), false), IN_AN_HOUR));
    }

    @Test
    void whatNeedsNoVerifierIsAnsweredAtOnceWithoutTheBlockingExecutor() {
        Executor refusing = task -> {
            throw new AssertionError("nothing here needs the blocking executor");
        };
        Authenticator withJwt = new Authenticator(true, Optional.of(hmac(SECRET)), refusing);
        Authenticator withoutJwt = new Authenticator(false, Optional.empty(), refusing);

        assertThat(withJwt.authenticate(null).toCompletableFuture().join()).isInstanceOf(Verification.Rejected.class);
        assertThat(withJwt.authenticate(" ").toCompletableFuture().join()).isInstanceOf(Verification.Rejected.class);
        assertThat(withJwt.authenticate(Authenticator.TEST_TOKEN).toCompletableFuture().join()).isInstanceOf(Verification.Verified.class);
        assertThat(rejected(withoutJwt.authenticate(sign(SECRET, claims().build())).toCompletableFuture().join())).contains("ACCESS_JWT_SECRET");
    }

    @Test
    void aServiceWithASecretCanVerifyBeforeAnySigningKeyIsLoaded() {
        Config withSecret = ConfigLoader.load(Map.of("ACCESS_ENV", "production", "ACCESS_JWT_SECRET", SECRET,
                "ACCESS_AUTH_SERVICE_URL", "http://127.0.0.1:1"));
        Config withoutSecret = ConfigLoader.load(Map.of("ACCESS_ENV", "production", "ACCESS_AUTH_SERVICE_URL", "http://127.0.0.1:1"));
        Config local = ConfigLoader.load(Map.of("ACCESS_AUTH_SERVICE_URL", "http://127.0.0.1:1"));

        assertThat(fromConfig(withSecret).canVerify()).isTrue();
        assertThat(fromConfig(withoutSecret).canVerify()).isFalse();
        assertThat(fromConfig(local).canVerify()).isTrue();
    }

    private static Authenticator fromConfig(Config config) {
        return Authenticator.from(config, new RemoteKeys(config.auth().serviceUrl(), Duration.ofMinutes(5)), Runnable::run);
    }

    /** A verifier that accepts HS256 tokens signed with the secret, and nothing else. */
    private static TokenVerifier hmac(String secret) {
        return new JwtVerifier(ConfigLoader.load(Map.of("ACCESS_JWT_SECRET", secret)).auth(), Optional.empty());
    }

    private static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder()
                .subject("alice")
                .claim("tenant_id", "acme")
                .claim("roles", List.of("analyst", "trader"))
                .expirationTime(Date.from(IN_AN_HOUR));
    }

    private static String sign(String secret, JWTClaimsSet claims) {
        return sign(JWSAlgorithm.HS256, secret, claims);
    }

    private static String sign(JWSAlgorithm algorithm, String secret, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
