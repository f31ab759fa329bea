package dev.gatehouse.gateway.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One authenticated API call, as an {@link ApiEndpoint} sees it. The front controller has already
 * checked the credential, and for state-changing methods the {@code Origin} and CSRF token.
 *
 * @param method HTTP method, upper case
 * @param path the request path (decoded, without the query)
 * @param params values of the route pattern's {@code {name}} segments
 * @param query the query parameters (each name to all its values, in order)
 * @param body the JSON request body, or an empty object node when there was none
 * @param viewer the caller
 * @param accept the request's {@code Accept} header (RFC 9110 section 12.5.1), or null
 */
public record ApiRequest(String method, String path, Map<String, String> params, Map<String, List<String>> query,
        JsonNode body, ConsoleViewer viewer, String accept) {

    /** A request without an {@code Accept} header. */
    public ApiRequest(String method, String path, Map<String, String> params, Map<String, List<String>> query,
            JsonNode body, ConsoleViewer viewer) {
        this(method, path, params, query, body, viewer, null);
    }

    /** Whether the caller's {@code Accept} header names {@code mediaType} (parameters and q-values ignored). */
    public boolean accepts(String mediaType) {
        if (accept == null) {
            return false;
        }
        for (String range : accept.split(",")) {
            String type = range.split(";", 2)[0].trim();
            if (type.equalsIgnoreCase(mediaType)) {
                return true;
            }
        }
        return false;
    }

    /** Path parameter {@code name} (present by construction of the route). */
    public String param(String name) {
        return params.get(name);
    }

    /** The single value of query parameter {@code name}; null when absent; 400 when given twice. */
    public String queryParam(String name) {
        List<String> v = query.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.size() > 1) {
            throw ApiError.badRequest("query parameter '" + name + "' is given more than once");
        }
        return v.get(0);
    }

    /** Text field {@code name} of the JSON body; null when absent; 400 when not a string. */
    public String bodyText(String name) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw ApiError.badRequest("field '" + name + "' must be a string");
        }
        return n.asText();
    }

    /**
     * The {@code limit} query parameter of a list: a whole number from 1 to {@code max};
     * {@code defaultLimit} when absent; 400 otherwise.
     */
    public int limit(int defaultLimit, int max) {
        String text = queryParam("limit");
        if (text == null) {
            return defaultLimit;
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("limit must be a whole number from 1 to " + max);
    }
}
