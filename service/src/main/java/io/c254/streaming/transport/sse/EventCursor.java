package io.c254.streaming.transport.sse;

import io.c254.streaming.hub.Message;

/**
 * A message's position as `topic:partition:offset`. Topic names never hold ':' (Kafka allows only
 * [a-zA-Z0-9._-]), so the cursor splits back unambiguously; resume (Last-Event-ID) will parse it.
 */
record EventCursor(String topic, int partition, long offset) {

    static String of(Message message) {
        return message.topic() + ':' + message.partition() + ':' + message.offset();
    }

    @Override
    public String toString() {
        return topic + ':' + partition + ':' + offset;
    }

    /** The cursor of an event id, or null when the text is not one. */
    static EventCursor parse(String text) {
        if (text == null) {
            return null;
        }
        int last = text.lastIndexOf(':');
        int middle = last <= 0 ? -1 : text.lastIndexOf(':', last - 1);
        if (middle <= 0) {
            return null;
        }
        if (!digits(text, middle + 1, last) || !digits(text, last + 1, text.length())) {
            return null;
        }
        try {
            int partition = Integer.parseInt(text.substring(middle + 1, last));
            long offset = Long.parseLong(text.substring(last + 1));
            String topic = text.substring(0, middle);
            return partition < 0 || offset < 0 || topic.indexOf(':') >= 0 ? null : new EventCursor(topic, partition, offset);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean digits(String text, int from, int to) {
        return from < to && text.substring(from, to).chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
