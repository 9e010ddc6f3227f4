package dev.sluice.config;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.Set;

import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.SpecVersion;

/**
 * A record's attributes as the CESQL evaluator reads them: a CloudEvent view that parses nothing.
 * The typed getters are not what CESQL calls ({@link #getAttribute} and {@link #getExtension} are),
 * so they answer null rather than fail on a value that is not a URI or a time: a record that
 * names a malformed {@code source} is still filtered on its text.
 */
final class CesqlEvent implements CloudEvent {
    private final FilterAttributes record;

    CesqlEvent(FilterAttributes record) {
        this.record = record;
    }

    @Override
    public Object getAttribute(String name) {
        return FilterAttributes.CONTEXT.contains(name) ? record.text(name) : record.typed(name);
    }

    @Override
    public Object getExtension(String name) {
        return record.typed(name);
    }

    @Override
    public Set<String> getExtensionNames() {
        return record.extensionNames();
    }

    @Override
    public Set<String> getAttributeNames() {
        return FilterAttributes.CONTEXT;
    }

    @Override
    public CloudEventData getData() {
        return null;
    }

    @Override
    public SpecVersion getSpecVersion() {
        return null;
    }

    @Override
    public String getId() {
        return record.text("id");
    }

    @Override
    public String getType() {
        return record.text("type");
    }

    @Override
    public URI getSource() {
        return null;
    }

    @Override
    public String getDataContentType() {
        return record.text("datacontenttype");
    }

    @Override
    public URI getDataSchema() {
        return null;
    }

    @Override
    public String getSubject() {
        return record.text("subject");
    }

    @Override
    public OffsetDateTime getTime() {
        return null;
    }
}
