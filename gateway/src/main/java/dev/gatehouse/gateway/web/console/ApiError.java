package dev.gatehouse.gateway.web.console;

/**
 * A refused or failed API call, answered as {@code {"error": CODE, "message": TEXT}} with its HTTP
 * status. Messages are plain text meant for the caller; the front controller escapes them where they
 * reach a page. Objects of another tenant are {@link #notFound} (never 403), as if they did not exist.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;

    public ApiError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /** HTTP status (RFC 9110 section 15). */
    public int status() {
        return status;
    }

    /** A short machine-readable code: {@code bad_request}, {@code forbidden}, {@code not_found}, {@code conflict}, ... */
    public String code() {
        return code;
    }

    public static ApiError badRequest(String message) {
        return new ApiError(400, "bad_request", message);
    }

    public static ApiError forbidden(String message) {
        return new ApiError(403, "forbidden", message);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, "not_found", message);
    }

    public static ApiError conflict(String message) {
        return new ApiError(409, "conflict", message);
    }

    public static ApiError unavailable(String message) {
        return new ApiError(503, "unavailable", message);
    }
}
