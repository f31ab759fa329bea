package dev.gatehouse.recorder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What verify found wrong, each naming its record, and what it found but cannot prove (notes:
 * records a gateway signed in at its start without knowing who wrote them). Reported in a stable
 * order: what each chain shows on its own first, then cross-checks of one chain against another's
 * events (an access link no event binds: when records are deleted from an event chain, the links
 * their events bound are a consequence, and the deletion is the first bad record); within each,
 * by subject ({@code access row}, {@code access seq}, {@code chain C seq},
 * {@code checkpoint chain C seq}, {@code session S chunk}, {@code witness FILE line}), then by the
 * seq or line it names, then by the kind of check (a walk's finding before a checkpoint's).
 */
final class Findings {
    private record Finding(boolean crossCheck, String subject, long seq, int order, String line) {}

    private final List<Finding> found = new ArrayList<>();
    private final List<Finding> notes = new ArrayList<>();

    /** Adds {@code SUBJECT SEQ: TEXT}. */
    void add(String subject, long seq, int order, String text) {
        found.add(new Finding(false, subject, seq, order, subject + " " + seq + ": " + text));
    }

    /** Adds {@code SUBJECT SEQ: TEXT} found by checking a record against another chain's events (sorted after the rest). */
    void addCrossCheck(String subject, long seq, int order, String text) {
        found.add(new Finding(true, subject, seq, order, subject + " " + seq + ": " + text));
    }

    /** Adds a line about a whole subject ({@code SUBJECT: TEXT}), sorted before its numbered lines. */
    void addWhole(String subject, String text) {
        found.add(new Finding(false, subject, -1, 0, subject + ": " + text));
    }

    /** Adds a note {@code SUBJECT FIRST[-LAST]: TEXT}: something verify cannot prove, which is not a failure. */
    void note(String subject, long first, long last, String text) {
        notes.add(new Finding(false, subject, first, 0, subject + " " + first + (last > first ? "-" + last : "") + ": " + text));
    }

    List<String> lines() {
        return sorted(found);
    }

    List<String> notes() {
        return sorted(notes);
    }

    private static List<String> sorted(List<Finding> list) {
        return list.stream()
                .sorted(Comparator.comparing(Finding::crossCheck).thenComparing(Finding::subject)
                        .thenComparingLong(Finding::seq)
                        .thenComparingInt(Finding::order))
                .map(Finding::line).toList();
    }

    /** A short human duration: {@code 45 s}, {@code 12 min 5 s}, {@code 3 h 0 min 20 s}, {@code 2 d 4 h}. */
    static String human(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s >= 86_400) {
            return s / 86_400 + " d" + (s % 86_400 / 3600 == 0 ? "" : " " + s % 86_400 / 3600 + " h");
        }
        StringBuilder out = new StringBuilder();
        if (s >= 3600) {
            out.append(s / 3600).append(" h ");
        }
        if (s >= 60) {
            out.append(s % 3600 / 60).append(" min ");
        }
        if (s % 60 != 0 || s < 60) {
            out.append(s % 60).append(" s ");
        }
        return out.toString().strip();
    }
}
