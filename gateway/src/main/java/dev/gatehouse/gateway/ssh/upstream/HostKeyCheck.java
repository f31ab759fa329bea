package dev.gatehouse.gateway.ssh.upstream;

import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.policy.Node;
import java.security.PublicKey;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;

/**
 * Verifies a node's host key against what policy pins: the exact key, or a host certificate signed
 * by the node's host CA (MINA has already checked the certificate's signature, type, validity and
 * principals before we are asked). Never trust on first use (R26).
 */
final class HostKeyCheck {
    private final Node node;
    private volatile String failure;

    HostKeyCheck(Node node) {
        this.node = node;
    }

    boolean verify(PublicKey presented) {
        try {
            if (node.hostKey().isPresent()) {
                PublicKey pinned = SshKeys.parse(node.hostKey().get());
                if (KeyUtils.compareKeys(pinned, presented)) {
                    return true;
                }
                failure = "host key of node '" + node.name() + "' (" + KeyUtils.getFingerPrint(presented)
                        + ") does not match the pinned key (" + KeyUtils.getFingerPrint(pinned) + "); possible man-in-the-middle";
                return false;
            }
            if (node.hostCa().isPresent()) {
                PublicKey ca = SshKeys.parse(node.hostCa().get());
                if (presented instanceof OpenSshCertificate cert
                        && cert.getType() == OpenSshCertificate.Type.HOST
                        && KeyUtils.compareKeys(ca, cert.getCaPubKey())) {
                    return true;
                }
                failure = "node '" + node.name() + "' did not present a host certificate signed by its host CA; possible man-in-the-middle";
                return false;
            }
            failure = "node '" + node.name() + "' has neither host_key nor host_ca in policy";
            return false;
        } catch (RuntimeException e) {
            failure = "cannot check the host key of node '" + node.name() + "': " + e.getMessage();
            return false;
        }
    }

    /** Why verification failed, or null. */
    String failure() {
        return failure;
    }
}
