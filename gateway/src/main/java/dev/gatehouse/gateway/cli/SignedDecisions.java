package dev.gatehouse.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.pki.JwsVerifier;
import dev.gatehouse.recorder.AccessLog;
import java.security.SignatureException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the signed statements behind approvals, denials, cancellations and revocations (R17):
 * each must verify with the audit key and say the same request, action, actor and time as its row.
 */
final class SignedDecisions {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SignedDecisions() {}

    static List<String> verify(AccessLog log, JwsVerifier signer) {
        List<String> problems = new ArrayList<>();
        for (AccessLog.DecisionRow d : log.allDecisions()) {
            if (d.jws() == null) {
                if (!d.action().equals("expire") && !d.action().equals("end")) {
                    problems.add(where(d) + "an " + d.action() + " decision without a signature");
                }
                continue;
            }
            try {
                JsonNode claims = JSON.readTree(signer.verify(d.jws()));
                if (!d.requestId().equals(claims.path("request").asText()) || !d.action().equals(claims.path("action").asText())
                        || !d.actor().equals(claims.path("actor").asText()) || !d.time().toString().equals(claims.path("time").asText())) {
                    problems.add(where(d) + "the signed statement does not match the stored decision");
                }
            } catch (SignatureException e) {
                problems.add(where(d) + "signature does not verify with the audit key");
            } catch (java.io.IOException e) {
                problems.add(where(d) + "signed statement is not readable");
            }
        }
        return problems;
    }

    static long count(AccessLog log) {
        return log.allDecisions().stream().filter(d -> d.jws() != null).count();
    }

    private static String where(AccessLog.DecisionRow d) {
        return "request " + d.requestId() + " decision " + d.seq() + ": ";
    }
}
