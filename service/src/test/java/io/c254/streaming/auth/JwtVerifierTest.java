package io.c254.streaming.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.c254.streaming.config.Config;
import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.testing.TestIssuer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.c254.streaming.auth.Verifications.rejected;
import static io.c254.streaming.auth.Verifications.verified;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ACCESS_JWT_* settings, each as an operator sets it: the verifier is built from the environment as
 * the service builds it, with the keys of a real OIDC issuer on loopback.
 */
class JwtVerifierTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private static TestIssuer issuer;

    @BeforeAll
    static void startIssuer() throws IOException {
        issuer = TestIssuer.start();
    }

    @AfterAll
    static void stopIssuer() {
        issuer.close();
    }

    /** The service's verifier in production mode, for the issuer's keys and these variables. */
    private static Authenticator authenticator(String... variables) {
        Map<String, String> env = new HashMap<>(Map.of("ACCESS_ENV", "production", "ACCESS_AUTH_SERVICE_URL", issuer.url()));
        for (int i = 0; i < variables.length; i += 2) {
            env.put(variables[i], variables[i + 1]);
        }
        Config config = ConfigLoader.load(env);
        return Authenticator.from(config, new RemoteKeys(config.auth().serviceUrl(), config.auth().keysRefreshInterval()), Runnable::run);
    }

    private static JWTClaimsSet.Builder claims() {
        return issuer.claims("alice", "acme", "analyst");
    }

    @Test
    void tokensOfTheIssuerAreAcceptedWithEveryDefaultAlgorithm() {
        Authenticator authenticator = authenticator();
        Instant expiry = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

        Verification.Verified rs256 = verified(authenticator.authenticateNow(issuer.rs256(claims().expirationTime(Date.from(expiry)).build())));
        Verification.Verified es256 = verified(authenticator.authenticateNow(issuer.es256(claims().build())));

        assertThat(rs256.identity()).isEqualTo(new Identity("alice", "acme", Set.of("analyst"), false));
        assertThat(rs256.expiresAt()).isEqualTo(expiry);
        assertThat(es256.identity()).isEqualTo(new Identity("alice", "acme", Set.of("analyst"), false));
    }

    @Test
    void anAlgorithmLeftOutOfTheAllowListIsRefusedNamingWhatIsAccepted() {
        Authenticator rs256Only = authenticator("ACCESS_JWT_ALGORITHMS", "RS256");

        assertThat(rejected(rs256Only.authenticateNow(issuer.es256(claims().build()))))
                .isEqualTo("token algorithm ES256 is not accepted; accepted: RS256");
        verified(rs256Only.authenticateNow(issuer.rs256(claims().build())));
    }

    @Test
    void withASecretHs256IsAcceptedBesideTheAllowList() {
        Authenticator authenticator = authenticator("ACCESS_JWT_ALGORITHMS", "RS256", "ACCESS_JWT_SECRET", SECRET);

        verified(authenticator.authenticateNow(hs256(SECRET, claims().build())));
        verified(authenticator.authenticateNow(issuer.rs256(claims().build())));
        assertThat(rejected(authenticator.authenticateNow(issuer.es256(claims().build()))))
                .isEqualTo("token algorithm ES256 is not accepted; accepted: HS256, RS256");
    }

    @Test
    void withoutASecretHs256IsRefusedNamingWhatIsAccepted() {
        assertThat(rejected(authenticator().authenticateNow(hs256(SECRET, claims().build()))))
                .isEqualTo("token algorithm HS256 is not accepted; accepted: ES256, PS256, RS256");
    }

    @Test
    void withASecretAloneOnlyHs256IsAccepted() {
        JwtVerifier hs256Only = new JwtVerifier(ConfigLoader.load(Map.of("ACCESS_JWT_SECRET", SECRET)).auth(), Optional.empty());

        verified(hs256Only.verify(hs256(SECRET, claims().build())));
        assertThat(rejected(hs256Only.verify(issuer.rs256(claims().build())))).isEqualTo("token algorithm RS256 is not accepted; accepted: HS256");
    }

    @Test
    void withNoKeysAndNoSecretNothingIsAccepted() {
        JwtVerifier nothing = new JwtVerifier(ConfigLoader.load(Map.of()).auth(), Optional.empty());

        assertThat(rejected(nothing.verify(issuer.rs256(claims().build())))).isEqualTo("token algorithm RS256 is not accepted; accepted: none configured");
        assertThat(rejected(nothing.verify(hs256(SECRET, claims().build())))).isEqualTo("token algorithm HS256 is not accepted; accepted: none configured");
    }

    @Test
    void anHmacTokenKeyedWithThePublishedPublicKeyIsRefused() throws JOSEException {
        String publicKeyAsSecret = hs256(issuer.publicRsaKey().toRSAPublicKey().getEncoded(), claims().build());

        assertThat(rejected(authenticator().authenticateNow(publicKeyAsSecret))).startsWith("token algorithm HS256 is not accepted");
        assertThat(rejected(authenticator("ACCESS_JWT_SECRET", SECRET).authenticateNow(publicKeyAsSecret))).contains("Invalid signature");
    }

    @Test
    void aTokenExpiredLessThanTheClockSkewAgoIsAccepted() {
        Authenticator skew60 = authenticator("ACCESS_JWT_CLOCK_SKEW_SECONDS", "60");
        Instant expired = Instant.now().minusSeconds(30).truncatedTo(ChronoUnit.SECONDS);

        Verification.Verified verified = verified(skew60.authenticateNow(issuer.rs256(claims().expirationTime(Date.from(expired)).build())));

        assertThat(verified.expiresAt()).isEqualTo(expired);
    }

    @Test
    void aTokenExpiredMoreThanTheClockSkewAgoIsRefused() {
        Authenticator skew60 = authenticator("ACCESS_JWT_CLOCK_SKEW_SECONDS", "60");

        assertThat(rejected(skew60.authenticateNow(issuer.rs256(claims().expirationTime(Date.from(Instant.now().minusSeconds(90))).build()))))
                .isEqualTo("token rejected: Expired JWT");
    }

    @Test
    void theDefaultClockSkewIsThirtySeconds() {
        Authenticator authenticator = authenticator();

        verified(authenticator.authenticateNow(issuer.rs256(claims().expirationTime(Date.from(Instant.now().minusSeconds(20))).build())));
        rejected(authenticator.authenticateNow(issuer.rs256(claims().expirationTime(Date.from(Instant.now().minusSeconds(40))).build())));
    }

    @Test
    void aTokenNotYetValidIsAcceptedWithinTheClockSkewOnly() {
        Authenticator skew60 = authenticator("ACCESS_JWT_CLOCK_SKEW_SECONDS", "60");

        verified(skew60.authenticateNow(issuer.rs256(claims().notBeforeTime(Date.from(Instant.now().plusSeconds(30))).build())));
        assertThat(rejected(skew60.authenticateNow(issuer.rs256(claims().notBeforeTime(Date.from(Instant.now().plusSeconds(90))).build()))))
                .isEqualTo("token rejected: JWT before use time");
    }

    @Test
    void withNoClockSkewAnExpiredTokenIsRefusedAtOnce() {
        Authenticator strict = authenticator("ACCESS_JWT_CLOCK_SKEW_SECONDS", "0");

        rejected(strict.authenticateNow(issuer.rs256(claims().expirationTime(Date.from(Instant.now().minusSeconds(5))).build())));
    }

    @Test
    void theTenantClaimSettingNamesWhereTheTenantIs() {
        Authenticator byOrg = authenticator("ACCESS_JWT_TENANT_CLAIM", "org");

        Identity identity = verified(byOrg.authenticateNow(issuer.rs256(claims().claim("org", "globex").build()))).identity();

        assertThat(identity.tenantId()).isEqualTo("globex");
        assertThat(rejected(byOrg.authenticateNow(issuer.rs256(claims().build()))))
                .isEqualTo("token has no org claim (the tenant id) as a non-empty string");
    }

    @Test
    void theUserClaimSettingNamesWhereTheUserIs() {
        Authenticator byEmail = authenticator("ACCESS_JWT_USER_CLAIM", "email");

        Identity identity = verified(byEmail.authenticateNow(issuer.rs256(claims().claim("email", "alice@acme.example").build()))).identity();

        assertThat(identity.userId()).isEqualTo("alice@acme.example");
        assertThat(rejected(byEmail.authenticateNow(issuer.rs256(claims().build())))).contains("email");
    }

    @Test
    void rolesMayBeTakenFromANestedClaim() {
        Authenticator keycloak = authenticator("ACCESS_JWT_ROLES_CLAIM", "realm_access.roles");

        Identity nested = verified(keycloak.authenticateNow(issuer.rs256(claims()
                .claim("realm_access", Map.of("roles", List.of("trader", "viewer"))).build()))).identity();
        Identity notAnObject = verified(keycloak.authenticateNow(issuer.rs256(claims().claim("realm_access", "trader").build()))).identity();

        assertThat(nested.roles()).containsExactlyInAnyOrder("trader", "viewer");
        assertThat(notAnObject.roles()).isEmpty();
    }

    @Test
    void theIssuerSettingRefusesTokensOfAnyOtherIssuer() {
        Authenticator authenticator = authenticator("ACCESS_JWT_ISSUER", issuer.url());

        verified(authenticator.authenticateNow(issuer.rs256(claims().build())));
        assertThat(rejected(authenticator.authenticateNow(issuer.rs256(claims().issuer("https://evil.example").build())))).contains("iss");
        assertThat(rejected(authenticator.authenticateNow(issuer.rs256(claims().issuer(null).build())))).contains("iss");
    }

    @Test
    void theAudienceSettingRefusesTokensForAnyOtherAudience() {
        Authenticator authenticator = authenticator("ACCESS_JWT_AUDIENCE", TestIssuer.AUDIENCE);

        verified(authenticator.authenticateNow(issuer.rs256(claims().build())));
        verified(authenticator.authenticateNow(issuer.rs256(claims().audience(List.of("billing", TestIssuer.AUDIENCE)).build())));
        assertThat(rejected(authenticator.authenticateNow(issuer.rs256(claims().audience("billing").build())))).contains("aud");
        assertThat(rejected(authenticator.authenticateNow(issuer.rs256(claims().audience((String) null).build())))).contains("aud");
    }

    @Test
    void withoutIssuerAndAudienceSettingsAnyIssuerAndAudienceAreAccepted() {
        verified(authenticator().authenticateNow(issuer.rs256(claims().issuer("https://other.example").audience("billing").build())));
    }

    private static String hs256(String secret, JWTClaimsSet claims) {
        return hs256(secret.getBytes(StandardCharsets.UTF_8), claims);
    }

    private static String hs256(byte[] secret, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
