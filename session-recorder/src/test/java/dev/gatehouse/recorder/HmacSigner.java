package dev.gatehouse.recorder;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SignatureException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** A test checkpoint signer: compact JWS with HS256 (the gateway uses ES256 from the pki module). */
final class HmacSigner implements CheckpointSigner {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final String HEADER = B64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8));

    private final byte[] key;

    HmacSigner(String key) {
        this.key = key.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String sign(byte[] payload) {
        String input = HEADER + "." + B64.encodeToString(payload);
        return input + "." + B64.encodeToString(mac(input));
    }

    @Override
    public byte[] verify(String jws) throws SignatureException {
        String[] parts = jws.split("\\.", -1);
        if (parts.length != 3 || !parts[0].equals(HEADER)) {
            throw new SignatureException("not an HS256 compact JWS");
        }
        byte[] expected = mac(parts[0] + "." + parts[1]);
        byte[] actual;
        try {
            actual = Base64.getUrlDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new SignatureException("signature is not base64url", e);
        }
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new SignatureException("signature does not verify");
        }
        return Base64.getUrlDecoder().decode(parts[1]);
    }

    private byte[] mac(String input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
