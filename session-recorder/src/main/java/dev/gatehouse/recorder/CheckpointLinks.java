package dev.gatehouse.recorder;

/**
 * Checks that one chain's checkpoints, in seq order, form a signed list: each chained (version 2)
 * checkpoint names the digest of the one before it, and unchained (version 1) checkpoints, from
 * stores written before, only come first.
 */
final class CheckpointLinks {
    private final boolean mayStartMidway;
    private CheckpointRow last;
    private boolean chained;

    /**
     * @param mayStartMidway true when the list may begin after the chain's first checkpoint (a
     *     witness file added later), so its first {@code prev} is not checked here
     */
    CheckpointLinks(boolean mayStartMidway) {
        this.mayStartMidway = mayStartMidway;
    }

    /**
     * Null when {@code cp} extends the list, else what is wrong (following "checkpoint chain C seq N: ").
     *
     * @param removed what a gap means where these checkpoints are kept, e.g. "deleted from the store"
     */
    String next(CheckpointRow cp, String removed) {
        CheckpointRow before = last;
        last = cp;
        if (!cp.chained()) {
            return chained ? "an unchained (version 1) checkpoint after chained ones: version 1 checkpoints only come"
                    + " first, from before the upgrade" : null;
        }
        chained = true;
        if (before == null) {
            return mayStartMidway || cp.prev().equals(ChainHash.GENESIS) ? null
                    : "links to an earlier checkpoint that is not here: the checkpoints before it were " + removed;
        }
        return cp.prev().equals(before.digest()) ? null : "does not link to the checkpoint before it (seq "
                + before.seq() + "): checkpoints between them were " + removed;
    }
}
