package io.c254.streaming.bench;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HS256 tokens signed with the gateway's {@code ACCESS_JWT_SECRET} (README "Tokens"), so that the soak's
 * clients are many users of several tenants whose tokens expire and are refreshed, as in production.
 */
final class SignedTokens {

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final String HEADER = BASE64URL.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));

    private final byte[] secret;
    private final long lifetimeSeconds;

    SignedTokens(String secret, long lifetimeSeconds) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.lifetimeSeconds = lifetimeSeconds;
    }

    /** A token for {@code user} of {@code tenant} with the analyst role (every registered topic), valid from now. */
    String issue(String user, String tenant) {
        long now = System.currentTimeMillis() / 1000;
        String claims = "{\"sub\":\"" + user + "\",\"tenant_id\":\"" + tenant + "\",\"roles\":[\"analyst\"],\"iat\":" + now
                + ",\"exp\":" + (now + lifetimeSeconds) + "}";
        String signed = HEADER + "." + BASE64URL.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        return signed + "." + BASE64URL.encodeToString(hmac(signed));
    }

    private byte[] hmac(String signed) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}
