package dev.gatehouse.gateway.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/** Every live bridged session, so admins (and shutdown) can find and end them. */
public final class SessionRegistry {
    private final Map<String, LiveSession> sessions = new ConcurrentHashMap<>();

    public void add(LiveSession session) {
        sessions.put(session.id(), session);
    }

    public void remove(String id) {
        sessions.remove(id);
    }

    public List<LiveSession> all() {
        return new ArrayList<>(sessions.values());
    }

    public int size() {
        return sessions.size();
    }

    /** Terminates every session matching {@code which}; returns how many. */
    public int terminate(Predicate<LiveSession> which, String reason) {
        int n = 0;
        for (LiveSession s : all()) {
            if (which.test(s)) {
                s.terminate(reason);
                n++;
            }
        }
        return n;
    }
}
