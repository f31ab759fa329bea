package dev.gatehouse.e2e;

import java.util.List;

/**
 * The node's non-root test logins. They are created on the local machine when missing, which
 * needs root (CI runs as root); the password field is set to '*' because sshd with UsePAM no
 * refuses accounts whose password starts with '!' (useradd's default) as locked.
 */
final class Accounts {
    /** The login every engineer in the test policy may use. */
    static final String AIOPS = "aiops";
    /** The privileged (still non-root) login that only just-in-time elevation grants. */
    static final String MLOPS = "mlops";

    private Accounts() {}

    static synchronized void ensure(String login) {
        boolean exists = Proc.run("id", "-u", login).exit() == 0;
        if (exists && !locked(login)) {
            return;
        }
        if (!isRoot()) {
            throw new IllegalStateException("the e2e suite needs the local account '" + login
                    + "' (unlocked) and must run as root to create it; run bin/test as root, or create it: "
                    + "useradd -m -s /bin/bash " + login + " && usermod -p '*' " + login);
        }
        if (!exists) {
            Proc.run("useradd", "-m", "-s", "/bin/bash", login).requireSuccess();
        }
        Proc.run("usermod", "-p", "*", login).requireSuccess();
    }

    static boolean isRoot() {
        return Proc.run("id", "-u").stdout().trim().equals("0");
    }

    static String home(String login) {
        String line = Proc.run("getent", "passwd", login).requireSuccess().stdout().trim();
        return List.of(line.split(":")).get(5);
    }

    private static boolean locked(String login) {
        Proc.Result r = Proc.run("getent", "shadow", login);
        if (r.exit() != 0) {
            return false;
        }
        String[] fields = r.stdout().trim().split(":", -1);
        return fields.length > 1 && fields[1].startsWith("!");
    }
}
