package dev.sluice.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.config.ConfigJson;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;
import dev.sluice.pipeline.Event;
import dev.sluice.route.Router.Verdict;

/**
 * Which records a route's filters take, on the same event in both modes of the CloudEvents Kafka
 * binding: every filter kind, the key and headers, missing attributes, and records the filters
 * cannot read.
 */
class RouterFilterTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static Route route(String filters) throws Exception {
        return route("r", filters);
    }

    private static Route route(String name, String filters) throws Exception {
        return ConfigJson.read(MAPPER.readTree("{\"routes\":[{\"name\":\"" + name + "\",\"topics\":[\"orders\"],"
                + "\"target\":{\"url\":\"http://localhost:1/x\"},\"filters\":" + filters + "}]}")).routes().get(0);
    }

    /** type order.created, source /shop/eu, subject o-1, extension tenant acme and priority 3; key k-vip; header x-region eu. */
    private static Event binary() {
        RecordHeaders h = new RecordHeaders();
        Map.of("ce_specversion", "1.0", "ce_id", "1", "ce_type", "order.created", "ce_source", "/shop/eu", "ce_subject", "o-1",
                "ce_tenant", "acme", "ce_priority", "3", "x-region", "eu", "content-type", "application/json")
                .forEach((k, v) -> h.add(k, v.getBytes(StandardCharsets.UTF_8)));
        return new Event("orders", 0, 0, 0, "k-vip".getBytes(StandardCharsets.UTF_8), "{\"n\":1}".getBytes(StandardCharsets.UTF_8), h);
    }

    private static Event structured(String json) {
        RecordHeaders h = new RecordHeaders();
        h.add("content-type", "application/cloudevents+json; charset=utf-8".getBytes(StandardCharsets.UTF_8));
        h.add("x-region", "eu".getBytes(StandardCharsets.UTF_8));
        return new Event("orders", 0, 0, 0, "k-vip".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8), h);
    }

    private static Event structured() {
        return structured("{\"specversion\":\"1.0\",\"id\":\"1\",\"type\":\"order.created\",\"source\":\"/shop/eu\","
                + "\"subject\":\"o-1\",\"tenant\":\"acme\",\"priority\":3,\"datacontenttype\":\"application/json\","
                + "\"data\":{\"type\":\"not-an-attribute\",\"nested\":[1,2,{\"a\":null}]}}");
    }

    private static Verdict verdict(Route r, Event e) {
        return new Router(new SluiceConfig(256, List.of(r))).select(e, List.of(r))[0];
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "[{\"exact\":{\"type\":\"order.created\"}}]                                  | TAKE",
            "[{\"exact\":{\"type\":\"order.Created\"}}]                                  | DECLINE",
            "[{\"exact\":{\"type\":\"order.created\",\"tenant\":\"acme\"}}]              | TAKE",
            "[{\"exact\":{\"type\":\"order.created\",\"tenant\":\"other\"}}]             | DECLINE",
            "[{\"prefix\":{\"source\":\"/shop/\"}}]                                      | TAKE",
            "[{\"suffix\":{\"source\":\"/us\"}}]                                         | DECLINE",
            "[{\"exact\":{\"datacontenttype\":\"application/json\"}}]                    | TAKE",
            "[{\"exact\":{\"kafka.key\":\"k-vip\"}},{\"exact\":{\"kafka.header.x-region\":\"eu\"}}] | TAKE",
            "[{\"suffix\":{\"kafka.key\":\"-std\"}}]                                     | DECLINE",
            "[{\"exact\":{\"region\":\"eu\"}}]                                           | DECLINE",
            "[{\"not\":{\"exact\":{\"region\":\"eu\"}}}]                                 | TAKE",
            "[{\"any\":[{\"exact\":{\"type\":\"x\"}},{\"prefix\":{\"subject\":\"o-\"}}]}] | TAKE",
            "[{\"any\":[]}]                                                              | DECLINE",
            "[{\"all\":[{\"exact\":{\"type\":\"order.created\"}},{\"exact\":{\"subject\":\"o-2\"}}]}] | DECLINE",
            "[{\"exact\":{\"type\":\"order.created\"}},{\"exact\":{\"subject\":\"o-2\"}}] | DECLINE",
            "[{\"cesql\":\"type LIKE 'order.%' AND tenant = 'acme'\"}]                   | TAKE",
            "[{\"cesql\":\"INT(priority) > 2 AND source LIKE '/shop/%'\"}]               | TAKE",
            "[{\"cesql\":\"EXISTS tenant AND NOT EXISTS region\"}]                       | TAKE",
            "[{\"cesql\":\"region = 'eu'\"}]                                             | DECLINE",
            "[{\"cesql\":\"INT(tenant) > 2\"}]                                           | DECLINE",
    })
    void eachFilterDecidesTheSameOnABinaryAndAStructuredEvent(String filters, Verdict.Kind expected) throws Exception {
        Route r = route(filters);
        assertEquals(expected, verdict(r, binary()).kind(), "binary mode");
        assertEquals(expected, verdict(r, structured()).kind(), "structured mode");
    }

    @Test
    void aStructuredExtensionKeepsItsJsonTypeForCesql() throws Exception {
        Route r = route("[{\"cesql\":\"priority + 1 = 4 AND vip\"}]");
        assertEquals(Verdict.Kind.TAKE, verdict(r, structured("{\"id\":\"1\",\"priority\":3,\"vip\":true}")).kind());
        assertEquals(Verdict.Kind.DECLINE, verdict(r, structured("{\"id\":\"1\",\"priority\":3,\"vip\":false}")).kind());
    }

    @Test
    void aStructuredValueFiltersCannotReadIsRefusedWithTheReason() throws Exception {
        Route r = route("[{\"exact\":{\"type\":\"order.created\"}}]");
        Verdict v = verdict(r, structured("{\"type\":\"order.created\""));
        assertEquals(Verdict.Kind.FAIL, v.kind());
        assertTrue(v.reason().startsWith("filter-failed: structured-mode value is not valid JSON: "), v.reason());
        assertEquals("filter-failed: structured-mode value is not a JSON object", verdict(r, structured("[1]")).reason());
        assertEquals("filter-failed: structured-mode attribute 'type' is not a string, number or boolean",
                verdict(r, structured("{\"type\":{\"a\":1}}")).reason());
        assertEquals("filter-failed: structured-mode CloudEvent without a value", verdict(r, structured("")).reason());
    }

    @Test
    void aRouteWithoutFiltersTakesEveryRecordAndIsNeverParsed() throws Exception {
        Route plain = route("plain", "[]");
        Route filtered = route("[{\"exact\":{\"type\":\"order.created\"}}]");
        Router router = new Router(new SluiceConfig(256, List.of(plain, filtered)));
        assertTrue(router.filtering());
        Verdict[] v = router.select(structured("{"), router.match(structured("{")));
        assertEquals(Verdict.TAKE, v[0]);
        assertEquals(Verdict.Kind.FAIL, v[1].kind());
        assertFalse(new Router(new SluiceConfig(256, List.of(plain))).filtering());
    }

    @Test
    void aLargeStructuredValueIsDeferredAndDecidedLater() throws Exception {
        Route r = route("[{\"exact\":{\"type\":\"order.created\"}}]");
        String big = "{\"type\":\"order.created\",\"data\":\"" + "x".repeat(Router.INLINE_BYTES) + "\"}";
        assertEquals(Verdict.DEFER, verdict(r, structured(big)));
        assertEquals(Verdict.TAKE, Router.decide(r, structured(big)));
        // a large binary-mode value is never parsed: its attributes are headers
        Event largeBinary = new Event("orders", 0, 0, 0, null, new byte[Router.INLINE_BYTES * 2], binary().headers());
        assertEquals(Verdict.TAKE, verdict(r, largeBinary));
    }
}
