package dev.gatehouse.recorder;

import java.security.SignatureException;
import java.util.function.Function;

/** Signs checkpoint payloads (the gateway plugs in its JWS audit key). */
public interface CheckpointSigner {

    /** A compact JWS over the payload. */
    String sign(byte[] payload);

    /** The payload if {@code jws} verifies with this key, else throws. */
    byte[] verify(String jws) throws SignatureException;

    /** The verifying half, as a method reference can supply it. */
    @FunctionalInterface
    interface Verifier {
        byte[] verify(String jws) throws SignatureException;
    }

    /**
     * Verification alone, for a read-only store on a host that holds only the audit key's public
     * half (an auditor's): {@link #sign} throws {@link UnsupportedOperationException}.
     */
    static CheckpointSigner verifyOnly(Verifier verifier) {
        return of(payload -> {
            throw new UnsupportedOperationException("this checkpoint signer only verifies: no audit private key");
        }, verifier);
    }

    /** A signer from its two halves, such as {@code CheckpointSigner.of(jws::sign, jws::verify)}. */
    static CheckpointSigner of(Function<byte[], String> sign, Verifier verifier) {
        return new CheckpointSigner() {
            @Override
            public String sign(byte[] payload) {
                return sign.apply(payload);
            }

            @Override
            public byte[] verify(String jws) throws SignatureException {
                return verifier.verify(jws);
            }
        };
    }
}
