package dev.gatehouse.recorder;

/** A signed checkpoint of a chain head, as stored in {@code checkpoints}. */
record CheckpointRow(String chainId, long seq, String headHash, long timeMicros, String jws) {

    /** Signs the canonical payload of this head. */
    static CheckpointRow sign(CheckpointSigner signer, String chainId, long seq, String headHash, long timeMicros) {
        byte[] payload = CanonicalJson.checkpointPayload(chainId, seq, headHash, timeMicros);
        return new CheckpointRow(chainId, seq, headHash, timeMicros, signer.sign(payload));
    }

    String witnessLine() {
        return CanonicalJson.witnessLine(chainId, seq, headHash, timeMicros, jws);
    }
}
