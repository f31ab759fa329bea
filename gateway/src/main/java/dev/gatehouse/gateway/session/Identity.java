package dev.gatehouse.gateway.session;

/**
 * Who is connected: one named person (R06), proven by a public key listed in policy.
 *
 * @param user the policy user name
 * @param keyFingerprint SHA-256 fingerprint of the key that authenticated
 * @param source client address {@code ip:port}
 */
public record Identity(String user, String keyFingerprint, String source) {}
