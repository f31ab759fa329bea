package dev.gatehouse.recorder;

import java.util.List;

/**
 * One page of a {@link SessionQuery}.
 *
 * @param items the sessions, newest first
 * @param next cursor for the next (older) page, or null when this is the last
 */
public record SessionPage(List<FoundSession> items, String next) {
    public SessionPage {
        items = List.copyOf(items);
    }
}
