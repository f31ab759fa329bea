package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.TerminalObserver;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The observers of one bridged terminal: told of the output the recorder sees and of window
 * changes, from the relay's threads (under {@link RecordingTaps}' lock, so in the recorder's order).
 * Empty most of the time, so the relay pays one volatile read per chunk. Once {@link #end}ed, a new
 * observer is told at once that the session is over.
 */
final class TerminalObservers {
    private final CopyOnWriteArrayList<TerminalObserver> observers = new CopyOnWriteArrayList<>();
    private volatile int cols;
    private volatile int rows;
    private volatile boolean ended;

    TerminalObservers(int cols, int rows) {
        this.cols = cols;
        this.rows = rows;
    }

    /**
     * Tells {@code o} the current size, then adds it, so that its first event is the size; false
     * (and nothing added) once the session ended.
     */
    boolean add(TerminalObserver o) {
        synchronized (this) {
            if (ended) {
                return false;
            }
            o.resize(cols, rows);
            observers.add(o);
        }
        return true;
    }

    /** Removes {@code o}; true when it was there. */
    boolean remove(TerminalObserver o) {
        return observers.remove(o);
    }

    void output(byte[] data, int offset, int length) {
        for (TerminalObserver o : observers) {
            o.output(data, offset, length);
        }
    }

    void resize(int newCols, int newRows) {
        cols = newCols;
        rows = newRows;
        for (TerminalObserver o : observers) {
            o.resize(newCols, newRows);
        }
    }

    /** The session ended: every observer is told once and let go. */
    void end() {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
        }
        for (TerminalObserver o : observers) {
            o.ended();
        }
        observers.clear();
    }
}
