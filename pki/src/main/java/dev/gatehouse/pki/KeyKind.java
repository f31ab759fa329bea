package dev.gatehouse.pki;

/** Key algorithms the gateway generates for its own keys. */
public enum KeyKind {
    /** SSH user CA, gateway host key, ephemeral upstream keys. */
    ED25519,
    /** JWS audit signing key (ES256: no extra crypto dependency needed to verify). */
    EC_P256
}
