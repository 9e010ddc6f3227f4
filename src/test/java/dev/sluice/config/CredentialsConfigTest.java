package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** A route's credentials as the config spells them: references to secrets, read and checked at the door. */
class CredentialsConfigTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode doc(String url, String target) throws Exception {
        return MAPPER.readTree("{\"routes\":[{\"name\":\"orders\",\"topics\":[\"orders\"],"
                + "\"target\":{\"url\":\"" + url + "\"" + target + "}}]}");
    }

    private static SluiceConfig read(String target) throws Exception {
        return ConfigJson.read(doc("http://localhost:1/x", target));
    }

    private static List<String> problems(String target) throws Exception {
        return problems("http://localhost:1/x", target);
    }

    private static List<String> problems(String url, String target) throws Exception {
        JsonNode d = doc(url, target);
        return assertThrows(InvalidConfigException.class, () -> ConfigJson.read(d)).problems().stream()
                .map(ConfigProblem::toString).toList();
    }

    private static SluiceConfig fromProperties(Map<String, String> props) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(SluiceSettings.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 100)).build();
        return StartupProperties.read(config.getConfigMapping(SluiceSettings.class), config);
    }

    private static final String BOTH = ",\"headers\":{\"Authorization\":{\"env\":\"TARGET_TOKEN\",\"prefix\":\"Bearer \"},"
            + "\"X-Api-Key\":{\"file\":\"/var/run/secrets/key\"}},"
            + "\"signing-secrets\":[{\"env\":\"WEBHOOK_SECRET\"},{\"file\":\"/var/run/secrets/old\"}]";

    @Test
    void headersAndSigningSecretsAreReadAsReferences() throws Exception {
        Credentials c = read(BOTH).routes().get(0).credentials();

        assertEquals(Map.of("Authorization", new SecretHeader(SecretRef.env("TARGET_TOKEN"), "Bearer "),
                "X-Api-Key", new SecretHeader(SecretRef.file("/var/run/secrets/key"), "")), c.headers());
        assertEquals(List.of(SecretRef.env("WEBHOOK_SECRET"), SecretRef.file("/var/run/secrets/old")), c.signingSecrets());
        assertEquals(java.util.Set.of("authorization", "x-api-key"), c.headerNames());
    }

    @Test
    void aRouteWithoutThemHasNone() throws Exception {
        assertTrue(read("").routes().get(0).credentials().none());
    }

    @Test
    void theWrittenDocumentHoldsTheReferencesAndReadsBackTheSame() throws Exception {
        SluiceConfig config = read(BOTH);
        JsonNode written = ConfigJson.write(config, MAPPER);
        JsonNode target = written.at("/routes/0/target");

        assertEquals(MAPPER.readTree("{\"Authorization\":{\"env\":\"TARGET_TOKEN\",\"prefix\":\"Bearer \"},"
                + "\"X-Api-Key\":{\"file\":\"/var/run/secrets/key\"}}"), target.get("headers"));
        assertEquals(MAPPER.readTree("[{\"env\":\"WEBHOOK_SECRET\"},{\"file\":\"/var/run/secrets/old\"}]"),
                target.get("signing-secrets"));
        assertEquals(written, ConfigJson.writeShown(config, MAPPER), "nothing to redact: a route holds no secret value");
        assertEquals(config, ConfigJson.read(written));
    }

    @Test
    void propertiesGiveTheSameRouteAsJson() throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("sluice.routes.orders.topics", "orders");
        props.put("sluice.routes.orders.target.url", "http://localhost:1/x");
        props.put("sluice.routes.orders.target.headers.Authorization.env", "TARGET_TOKEN");
        props.put("sluice.routes.orders.target.headers.Authorization.prefix", "Bearer ");
        props.put("sluice.routes.orders.target.headers.X-Api-Key.file", "/var/run/secrets/key");
        props.put("sluice.routes.orders.target.signing-secrets[0].env", "WEBHOOK_SECRET");
        props.put("sluice.routes.orders.target.signing-secrets[1].file", "/var/run/secrets/old");

        assertEquals(read(BOTH), fromProperties(props));
    }

    @Test
    void propertiesProblemsAreNamedByKey() {
        Map<String, String> props = new HashMap<>();
        props.put("sluice.routes.orders.topics", "orders");
        props.put("sluice.routes.orders.target.url", "http://localhost:1/x");
        props.put("sluice.routes.orders.target.headers.Authorization.prefix", "Bearer ");
        props.put("sluice.routes.orders.target.signing-secrets[0].file", "secrets/relative");

        List<String> problems = assertThrows(InvalidConfigException.class, () -> fromProperties(props)).problems().stream()
                .map(ConfigProblem::toString).toList();

        assertEquals(List.of("sluice.routes.orders.target.headers.Authorization: needs one of env, file (the secret's value "
                + "is never written in the config)",
                "sluice.routes.orders.target.signing-secrets[0].file: not an absolute file path: 'secrets/relative'"), problems);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no source           | ,"headers":{"X-Key":{}}                                   | routes[0].target.headers.X-Key: needs one of env, file (the secret's value is never written in the config)
            both sources        | ,"headers":{"X-Key":{"env":"A","file":"/b"}}              | routes[0].target.headers.X-Key: give one of env, file, not both
            not an object       | ,"headers":{"X-Key":"s3cr3t"}                             | routes[0].target.headers.X-Key: must be an object with one of env, file
            headers not object  | ,"headers":["X-Key"]                                      | routes[0].target.headers: must be an object of header name to {"env": ...} or {"file": ...}
            env not a string    | ,"headers":{"X-Key":{"env":1}}                            | routes[0].target.headers.X-Key.env: must be a string
            bad env name        | ,"headers":{"X-Key":{"env":"MY-TOKEN"}}                   | routes[0].target.headers.X-Key.env: not an environment variable name (letters, digits and _, not starting with a digit): 'MY-TOKEN'
            relative file       | ,"headers":{"X-Key":{"file":"key.txt"}}                   | routes[0].target.headers.X-Key.file: not an absolute file path: 'key.txt'
            prefix not string   | ,"headers":{"X-Key":{"env":"A","prefix":7}}               | routes[0].target.headers.X-Key.prefix: must be a string
            prefix with newline | ,"headers":{"X-Key":{"env":"A","prefix":"a\\nb"}}         | routes[0].target.headers.X-Key.prefix: holds characters not allowed in an HTTP header value
            bad header name     | ,"headers":{"X Key":{"env":"A"}}                          | routes[0].target.headers.X Key: not a header name (1 to 100 characters of an HTTP token)
            reserved header     | ,"headers":{"Content-Type":{"env":"A"}}                   | routes[0].target.headers.Content-Type: set by Sluice itself or by HTTP, not by a route
            Sluice's own header | ,"headers":{"Idempotency-Key":{"env":"A"}}                | routes[0].target.headers.Idempotency-Key: set by Sluice itself or by HTTP, not by a route
            signature header    | ,"headers":{"webhook-signature":{"env":"A"}}              | routes[0].target.headers.webhook-signature: set by Sluice itself or by HTTP, not by a route
            twice               | ,"headers":{"X-Key":{"env":"A"},"x-key":{"env":"B"}}      | routes[0].target.headers.x-key: given twice (header names are case-insensitive)
            secrets not array   | ,"signing-secrets":{"env":"A"}                            | routes[0].target.signing-secrets: must be an array of {"env": ...} or {"file": ...}
            secret literal      | ,"signing-secrets":["whsec_abc"]                          | routes[0].target.signing-secrets[0]: must be an object with one of env, file
            secret prefix       | ,"signing-secrets":[{"env":"A","prefix":"x"}]             | routes[0].target.signing-secrets[0].prefix: unknown key (known: env, file)
            """)
    void aMalformedCredentialIsRefusedNamingTheField(String what, String target, String problem) throws Exception {
        assertEquals(List.of(problem), problems(target));
    }

    @Test
    void aLiteralValueIsNotAKeyAndNoSourceIsNamed() throws Exception {
        assertEquals(List.of("routes[0].target.headers.X-Key.value: unknown key (known: env, file, prefix)",
                "routes[0].target.headers.X-Key: needs one of env, file (the secret's value is never written in the config)"),
                problems(",\"headers\":{\"X-Key\":{\"value\":\"s3cr3t\"}}"));
    }

    @Test
    void headersAndSecretsAreBounded() throws Exception {
        String headers = IntStream.range(0, Credentials.MAX_HEADERS + 1).mapToObj(i -> "\"X-H" + i + "\":{\"env\":\"A\"}")
                .collect(Collectors.joining(",", ",\"headers\":{", "}"));
        String secrets = IntStream.range(0, Credentials.MAX_SIGNING_SECRETS + 1).mapToObj(i -> "{\"env\":\"A\"}")
                .collect(Collectors.joining(",", ",\"signing-secrets\":[", "]"));

        assertEquals(List.of("routes[0].target.headers: at most 16 headers, was 17",
                "routes[0].target.signing-secrets: at most 4 secrets, was 5"), problems(headers + secrets));
    }

    @Test
    void anAuthorizationHeaderBesideAUrlsUserinfoIsRefused() throws Exception {
        assertEquals(List.of("routes[0].target.headers.authorization: the target URL's userinfo already sets Authorization "
                + "(Basic): give one or the other"),
                problems("http://u:p@localhost:1/x", ",\"headers\":{\"authorization\":{\"env\":\"A\"}}"));
    }

    @Test
    void aRouteShowsItsReferencesNeverAValue() throws Exception {
        Route r = read(BOTH).routes().get(0);

        assertTrue(r.toString().contains("credentials=Credentials[headers={Authorization='Bearer ' + env:TARGET_TOKEN, "
                + "X-Api-Key=file:/var/run/secrets/key}, signing-secrets=[env:WEBHOOK_SECRET, file:/var/run/secrets/old]]"),
                r.toString());
        assertFalse(r.toString().contains("whsec_"));
    }
}
