package dev.gatehouse.pki;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Who and what an {@code app-cert} client certificate is for.
 *
 * <p>The app is named by the one SAN uniformResourceIdentifier {@code urn:gatehouse:app:APP--NODE}
 * (RFC 5280 4.2.1.6); app names never contain {@code --}, so the first {@code --} splits app from
 * node. The user is the subject's single CN.
 *
 * @param user the subject CN
 * @param app the app name
 * @param node the node name
 * @param serialHex the serial in lower-case hex
 * @param notAfter end of validity
 */
public record ClientCertificateClaims(String user, String app, String node, String serialHex, Instant notAfter) {
    /** Prefix of the SAN URI that names the app: {@code urn:gatehouse:app:}. */
    public static final String URN_PREFIX = "urn:gatehouse:app:";
    /** OID of EKU id-kp-clientAuth (RFC 5280 4.2.1.12). */
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final int SAN_URI = 6;

    public ClientCertificateClaims {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(serialHex, "serialHex");
        Objects.requireNonNull(notAfter, "notAfter");
    }

    /** The SAN URI for an app on a node. */
    static String uri(String app, String node) {
        return URN_PREFIX + app + "--" + node;
    }

    /**
     * Reads and checks a presented certificate: signed by {@code ca} (the TLS layer checks this
     * too; checked again so no caller depends on it), valid at {@code now}, EKU clientAuth, one
     * CN, one {@code urn:gatehouse:app:} SAN URI.
     *
     * @throws CertificateRefusedException saying what is wrong; the certificate is then worth nothing
     */
    public static ClientCertificateClaims from(X509Certificate presented, X509Certificate ca, Instant now) {
        Objects.requireNonNull(presented, "presented");
        try {
            presented.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateRefusedException("client certificate was not issued by this gateway's TLS CA (signature does"
                    + " not verify with " + ca.getSubjectX500Principal().getName() + ")");
        }
        if (!presented.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
            throw new CertificateRefusedException("client certificate names issuer " + presented.getIssuerX500Principal().getName()
                    + ", not this gateway's TLS CA");
        }
        try {
            presented.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new CertificateRefusedException("client certificate expired at " + presented.getNotAfter().toInstant()
                    + "; get a new one with app-cert");
        } catch (CertificateNotYetValidException e) {
            throw new CertificateRefusedException("client certificate is not valid before " + presented.getNotBefore().toInstant());
        }
        List<String> eku;
        try {
            eku = presented.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new CertificateRefusedException("client certificate has a malformed extended key usage: " + e.getMessage());
        }
        if (eku == null || !eku.contains(CLIENT_AUTH)) {
            throw new CertificateRefusedException("client certificate is not for client authentication (no clientAuth EKU)");
        }
        String uri = appUri(presented);
        String name = uri.substring(URN_PREFIX.length());
        int split = name.indexOf("--");
        if (split <= 0 || split + 2 >= name.length()) {
            throw new CertificateRefusedException("client certificate's app URI " + uri + " is not " + URN_PREFIX + "APP--NODE");
        }
        return new ClientCertificateClaims(commonName(presented), name.substring(0, split), name.substring(split + 2),
                presented.getSerialNumber().toString(16),
                presented.getNotAfter().toInstant());
    }

    private static String appUri(X509Certificate presented) {
        Collection<List<?>> names;
        try {
            names = presented.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new CertificateRefusedException("client certificate has a malformed subjectAltName: " + e.getMessage());
        }
        List<String> uris = names == null ? List.of() : names.stream()
                .filter(n -> n.size() == 2 && Integer.valueOf(SAN_URI).equals(n.get(0)) && n.get(1) instanceof String)
                .map(n -> (String) n.get(1))
                .filter(u -> u.startsWith(URN_PREFIX))
                .toList();
        if (uris.size() != 1) {
            throw new CertificateRefusedException("client certificate names " + (uris.isEmpty() ? "no" : uris.size())
                    + " app (subjectAltName URI " + URN_PREFIX + "APP--NODE); it must name exactly one");
        }
        return uris.get(0);
    }

    private static String commonName(X509Certificate presented) {
        List<String> cns;
        try {
            cns = new LdapName(presented.getSubjectX500Principal().getName()).getRdns().stream()
                    .filter(r -> r.getType().equalsIgnoreCase("CN"))
                    .map(Rdn::getValue).map(String::valueOf).toList();
        } catch (InvalidNameException e) {
            throw new CertificateRefusedException("client certificate has a malformed subject: " + e.getMessage());
        }
        if (cns.size() != 1 || cns.get(0).isEmpty()) {
            throw new CertificateRefusedException("client certificate's subject must hold exactly one non-empty CN (the user)");
        }
        return cns.get(0);
    }
}
