package dev.gatehouse.recorder;

/** Signs checkpoint payloads (the gateway plugs in its JWS audit key). */
public interface CheckpointSigner {

    /** A compact JWS over the payload. */
    String sign(byte[] payload);

    /** The payload if {@code jws} verifies with this key, else throws. */
    byte[] verify(String jws) throws java.security.SignatureException;
}
