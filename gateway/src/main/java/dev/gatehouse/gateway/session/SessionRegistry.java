package dev.gatehouse.gateway.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/** Every live bridged session, so admins (and shutdown) can find and end them. */
public final class SessionRegistry {
    private final Map<String, LiveSession> sessions = new ConcurrentHashMap<>();
    /** Set by {@link #close}: why every session, also one that starts later, is ended. */
    private volatile String closedReason;
    /** Told after every add and remove (the instance registry syncs soon after); never blocks. */
    private volatile Runnable onChange = () -> { };
    /** Observer slots taken per observed session id. */
    private final Map<String, Integer> observerSlots = new ConcurrentHashMap<>();

    /** Sets what is told after every add and remove; it must return at once (it runs on the session's thread). */
    public void onChange(Runnable listener) {
        onChange = listener;
    }

    /**
     * Takes one of the at most {@code max} observer slots of session {@code sessionId}, atomically:
     * of any number of observers arriving at once, at most {@code max} get one.
     *
     * @return false when all are taken
     */
    public boolean claimObserverSlot(String sessionId, int max) {
        boolean[] claimed = new boolean[1];
        observerSlots.compute(sessionId, (id, taken) -> {
            int n = taken == null ? 0 : taken;
            claimed[0] = n < max;
            return claimed[0] ? n + 1 : n;
        });
        return claimed[0];
    }

    /** Gives back a slot {@link #claimObserverSlot} took. */
    public void releaseObserverSlot(String sessionId) {
        observerSlots.computeIfPresent(sessionId, (id, taken) -> taken <= 1 ? null : taken - 1);
    }

    /** Registers a session; once the registry is {@linkplain #close closed} the session is terminated at once. */
    public void add(LiveSession session) {
        sessions.put(session.id(), session);
        onChange.run();
        // read after the put, as close() writes the reason before it looks at the sessions: one
        // of the two sees the other, so no session starting during a stop escapes it
        String reason = closedReason;
        if (reason != null) {
            session.terminate(reason);
        }
    }

    public void remove(String id) {
        if (sessions.remove(id) != null) {
            onChange.run();
        }
    }

    public List<LiveSession> all() {
        return new ArrayList<>(sessions.values());
    }

    public int size() {
        return sessions.size();
    }

    /**
     * Terminates every session with {@code reason}, and every session added from now on (a shell
     * or command that was starting when the gateway began to stop); returns how many were live.
     */
    public int close(String reason) {
        closedReason = reason;
        return terminate(s -> true, reason);
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
