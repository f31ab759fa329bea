package dev.gatehouse.recorder;

import java.util.List;

/**
 * One page of an {@link EventSearch}.
 *
 * @param items the events, newest first
 * @param next cursor for the next (older) page, or null when this is the last
 */
public record EventPage(List<StoredEvent> items, String next) {
    public EventPage {
        items = List.copyOf(items);
    }
}
