package dev.gatehouse.recorder;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A checkpoint witness {@link AuditStore#verify(java.util.List, String)} checks the store against:
 * a file of signed checkpoints, one JSON line each, as {@link StoreOptions#witnessFiles()} writes.
 *
 * @param file the file
 * @param kind how it is kept, which decides what its absence or its end means
 * @param origin why the caller trusts it, for the report (e.g. {@code "data_dir"}, {@code "--witness"})
 */
public record Witness(Path file, Kind kind, String origin) {

    /** How a witness is kept. */
    public enum Kind {
        /**
         * Appended to by a gateway as it signs (its {@code data/checkpoints.jsonl} and
         * {@code store.witness_files}): it must hold every checkpoint the store holds of the
         * chains it covers, and of the local chain, except those signed in the last moments.
         */
        LIVE,
        /**
         * A copy taken at some moment (fetched from another host): the store may have gone on
         * past its end, and a missing file is an error.
         */
        COPY
    }

    public Witness {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(origin, "origin");
    }

    public static Witness live(Path file, String origin) {
        return new Witness(file, Kind.LIVE, origin);
    }

    public static Witness copy(Path file, String origin) {
        return new Witness(file, Kind.COPY, origin);
    }
}
