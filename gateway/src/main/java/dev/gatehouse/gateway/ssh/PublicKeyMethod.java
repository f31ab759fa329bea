package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.policy.User;
import java.io.IOException;
import java.security.PublicKey;
import java.security.SignatureException;
import java.util.List;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.auth.keyboard.UserAuthKeyboardInteractiveFactory;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.session.ServerSession;

/**
 * The RFC 4252 "publickey" method, with the session's identity taken from proof only (DESIGN.md
 * invariant 7, R27).
 *
 * <p>MINA's {@link UserAuthPublicKey#doAuth} consults the {@code PublickeyAuthenticator} before it
 * looks at any signature, and also for a query that carries none (the client asking "would you
 * accept this key?", answered with SSH_MSG_USERAUTH_PK_OK). Anyone can send such a query for any
 * published public key, so nothing may be set or recorded as a success there. This method reads
 * the request's has-signature flag and key itself, lets MINA do the protocol and the signature
 * check, and acts on what the request proved:
 * <ul>
 *   <li>a refused key (query or signed) and a signature that does not verify are failures, named by key
 *       only; a refused query counts against the source's query allowance, not its failures;
 *   <li>an accepted query is an {@code auth.query} and changes nothing;
 *   <li>only when MINA returned TRUE, i.e. verified the signature of a signed request, is the
 *       identity set ({@link #establish}, the one place that sets it), once: a later signature
 *       by another person's key on the same connection is refused and audited.
 * </ul>
 * When the target needs a second factor, success is partial (RFC 4252 section 5.1): the reply is
 * SSH_MSG_USERAUTH_FAILURE listing {@code keyboard-interactive} with partial success TRUE, and
 * {@link TotpAuth} asks the identity that signed.
 */
final class PublicKeyMethod extends UserAuthPublicKey {
    private final KeyAuthenticator keys;
    private final TotpAuth totp;
    private final AuthAudit audit;

    PublicKeyMethod(List<NamedFactory<Signature>> signatures, KeyAuthenticator keys, TotpAuth totp, AuthAudit audit) {
        super(signatures);
        this.keys = keys;
        this.totp = totp;
        this.audit = audit;
    }

    /** Makes a {@link PublicKeyMethod} per request, as MINA does for its own. */
    static final class Factory extends UserAuthPublicKeyFactory {
        private final KeyAuthenticator keys;
        private final TotpAuth totp;
        private final AuthAudit audit;

        Factory(KeyAuthenticator keys, TotpAuth totp, AuthAudit audit) {
            this.keys = keys;
            this.totp = totp;
            this.audit = audit;
        }

        @Override
        public UserAuthPublicKey createUserAuth(ServerSession session) {
            return new PublicKeyMethod(getSignatureFactories(), keys, totp, audit);
        }
    }

    /**
     * The fields of a "publickey" request this method acts on, read without moving the buffer.
     *
     * @param signed the has-signature flag: FALSE is a query, TRUE a request to be checked
     * @param key the public key offered, or null when the blob is not a key MINA can read
     */
    record Request(boolean signed, PublicKey key) {
        /** Reads {@code boolean signed, string algorithm, string key blob} from the buffer's read position. */
        static Request peek(Buffer buffer) {
            Buffer copy = new ByteArrayBuffer(buffer.array(), buffer.rpos(), buffer.available(), true);
            boolean signed = false;
            PublicKey key = null;
            try {
                signed = copy.getBoolean();
                copy.getString();
                key = new ByteArrayBuffer(copy.getBytes()).getRawPublicKey();
            } catch (Exception e) {
                // a truncated request or a blob that is no key: the key check refuses it as such
            }
            return new Request(signed, key);
        }
    }

    @Override
    public Boolean doAuth(Buffer buffer, boolean init) throws Exception {
        ServerSession session = getServerSession();
        String sshUser = getUsername();
        Request request = Request.peek(buffer);
        KeyAuthenticator.Verdict verdict = keys.check(session, request.key(), request.signed());
        if (!verdict.accepted()) {
            audit.keyRefused(session, sshUser, request.signed(), request.key(), verdict);
            return Boolean.FALSE;
        }
        Boolean result;
        try {
            result = super.doAuth(buffer, init);
        } catch (Exception e) {
            audit.requestRejected(session, sshUser, request.signed(), request.key(),
                    e instanceof SignatureException ? "signature does not verify" : "malformed request");
            throw e;
        }
        if (result == null) {
            return null; // a query, answered with PK_OK and recorded in sendPublicKeyResponse
        }
        if (!result || !request.signed()) {
            audit.requestRejected(session, sshUser, request.signed(), request.key(), "key already used on this connection");
            return Boolean.FALSE;
        }
        return establish(session, sshUser, verdict.owner().orElseThrow(), request.key());
    }

    /** MINA answers an accepted query here; the query is recorded first, so the record is never behind the reply. */
    @Override
    protected void sendPublicKeyResponse(ServerSession session, String username, String alg, PublicKey key, byte[] keyBlob,
            int offset, int blobLen, Buffer buffer) throws Exception {
        audit.queryAccepted(session, username, key);
        super.sendPublicKeyResponse(session, username, alg, key, keyBlob, offset, blobLen, buffer);
    }

    /**
     * Called only after MINA verified a signature by {@code key}, which belongs to {@code owner}:
     * sets the identity if the connection has none, and decides between success and partial success.
     *
     * @return TRUE (authenticated), null (partial success sent, second factor next) or FALSE (refused)
     */
    private Boolean establish(ServerSession session, String sshUser, User owner, PublicKey key) throws IOException {
        Identity established = session.getAttribute(SessionAttributes.IDENTITY);
        if (established != null && !established.user().equals(owner.name())) {
            audit.identityConflict(session, sshUser, established, owner.name(), key);
            return Boolean.FALSE;
        }
        Identity identity = established != null ? established
                : new Identity(owner.name(), SshKeys.fingerprint(key), SessionAttributes.address(session));
        if (established == null) {
            session.setAttribute(SessionAttributes.IDENTITY, identity);
        }
        if (totp.requiredFor(session, identity, sshUser)) {
            totp.expect(session, sshUser);
            audit.partial(session, sshUser, identity);
            Buffer reply = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_FAILURE, 32);
            reply.putString(UserAuthKeyboardInteractiveFactory.NAME);
            reply.putBoolean(true);
            session.writePacket(reply);
            return null;
        }
        audit.success(session, sshUser, identity, NAME);
        return Boolean.TRUE;
    }
}
