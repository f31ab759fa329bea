package dev.gatehouse.policy;

import java.util.NoSuchElementException;

/**
 * The outcome of a rule that may refuse: a value, or the one-line reason the user sees.
 *
 * <p>A refusal may still carry a value. {@link ElevationRules#apply} applies the passage of time
 * before judging an event, so approving a request that has just expired is refused with
 * {@code request has expired} <em>and</em> returns the request now in state EXPIRED; the caller
 * should store a value that differs from what it had.
 *
 * @param value the result; on a refusal, null or the state after time-driven transitions
 * @param reason null on success; otherwise why not, without prefix
 */
public record Result<T>(T value, String reason) {

    public static <T> Result<T> ok(T value) {
        if (value == null) {
            throw new IllegalArgumentException("a successful result carries a value");
        }
        return new Result<>(value, null);
    }

    public static <T> Result<T> refused(String reason) {
        return new Result<>(null, reason);
    }

    /** Refused, with the value as it stands after what happened anyway (such as expiry). */
    public static <T> Result<T> refused(String reason, T value) {
        return new Result<>(value, reason);
    }

    public Result {
        if (value == null && reason == null) {
            throw new IllegalArgumentException("a result needs a value or a reason");
        }
    }

    public boolean isOk() {
        return reason == null;
    }

    /** The value of a success; throws with the reason on a refusal. */
    public T orElseThrow() {
        if (reason != null) {
            throw new NoSuchElementException(reason);
        }
        return value;
    }
}
