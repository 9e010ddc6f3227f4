package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** A route's {@code target.oauth2} as the config spells it: checked at the door, every bad field named, shown as references. */
class OAuth2ConfigTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String VALID = ",\"oauth2\":{\"token-url\":\"https://idp.example/token?tenant=acme\","
            + "\"client-id\":\"sluice\",\"client-secret\":{\"env\":\"IDP_SECRET\"},\"scope\":\"orders:write audit\","
            + "\"audience\":\"https://api.example\"}";

    private static JsonNode doc(String url, String target) throws Exception {
        return MAPPER.readTree("{\"routes\":[{\"name\":\"orders\",\"topics\":[\"orders\"],"
                + "\"target\":{\"url\":\"" + url + "\"" + target + "}}]}");
    }

    private static SluiceConfig read(String target) throws Exception {
        return ConfigJson.read(doc("http://localhost:1/x", target));
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

    @Test
    void aValidOAuth2IsReadWithItsSecretAsAReference() throws Exception {
        Credentials c = read(VALID).routes().get(0).credentials();

        assertEquals(new OAuth2(URI.create("https://idp.example/token?tenant=acme"), "sluice", SecretRef.env("IDP_SECRET"),
                "orders:write audit", "https://api.example"), c.oauth2());
        assertFalse(c.none());
        assertTrue(c.refs().contains(SecretRef.env("IDP_SECRET")), "its secret is read at the door like the others");
    }

    @Test
    void scopeAndAudienceAreOptional() throws Exception {
        OAuth2 o = read(",\"oauth2\":{\"token-url\":\"http://idp:8080/t\",\"client-id\":\"c\",\"client-secret\":{\"file\":\"/s/secret\"}}")
                .routes().get(0).credentials().oauth2();

        assertNull(o.scope());
        assertNull(o.audience());
        assertEquals(SecretRef.file("/s/secret"), o.clientSecret());
    }

    @Test
    void aRouteWithoutOneShowsNull() throws Exception {
        SluiceConfig config = read("");
        assertNull(config.routes().get(0).credentials().oauth2());
        assertTrue(ConfigJson.writeShown(config, MAPPER).at("/routes/0/target/oauth2").isNull());
    }

    @Test
    void theWrittenDocumentReadsBackTheSameAndTheShownOneRedactsTheTokenUrl() throws Exception {
        SluiceConfig config = read(VALID);
        JsonNode written = ConfigJson.write(config, MAPPER);
        JsonNode shown = ConfigJson.writeShown(config, MAPPER).at("/routes/0/target/oauth2");

        assertEquals(config, ConfigJson.read(written));
        assertEquals(MAPPER.readTree("{\"token-url\":\"https://idp.example/token?tenant=***\",\"client-id\":\"sluice\","
                + "\"client-secret\":{\"env\":\"IDP_SECRET\"},\"scope\":\"orders:write audit\",\"audience\":\"https://api.example\"}"),
                shown);
        assertTrue(config.routes().get(0).toString().contains("oauth2=OAuth2[token-url=https://idp.example/token?tenant=***, "
                + "client-id=sluice, client-secret=env:IDP_SECRET"), config.routes().get(0).toString());
    }

    @Test
    void propertiesGiveTheSameRouteAsJson() throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("sluice.routes.orders.topics", "orders");
        props.put("sluice.routes.orders.target.url", "http://localhost:1/x");
        props.put("sluice.routes.orders.target.oauth2.token-url", "https://idp.example/token?tenant=acme");
        props.put("sluice.routes.orders.target.oauth2.client-id", "sluice");
        props.put("sluice.routes.orders.target.oauth2.client-secret.env", "IDP_SECRET");
        props.put("sluice.routes.orders.target.oauth2.scope", "orders:write audit");
        props.put("sluice.routes.orders.target.oauth2.audience", "https://api.example");

        assertEquals(read(VALID), fromProperties(props));
    }

    @Test
    void propertiesProblemsAreNamedByKey() {
        Map<String, String> props = new HashMap<>();
        props.put("sluice.routes.orders.topics", "orders");
        props.put("sluice.routes.orders.target.url", "http://localhost:1/x");
        props.put("sluice.routes.orders.target.oauth2.token-url", "idp/token");
        props.put("sluice.routes.orders.target.oauth2.client-id", "sluice");
        props.put("sluice.routes.orders.target.oauth2.client-secret.file", "relative");

        List<String> problems = assertThrows(InvalidConfigException.class, () -> fromProperties(props)).problems().stream()
                .map(ConfigProblem::toString).toList();

        assertEquals(List.of("sluice.routes.orders.target.oauth2.token-url: not an absolute http(s) URL",
                "sluice.routes.orders.target.oauth2.client-secret.file: not an absolute file path: 'relative'"), problems);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not an object      | "s3cr3t"                                                                                                 | routes[0].target.oauth2: must be an object with token-url, client-id, client-secret
            no token-url       | {"client-id":"c","client-secret":{"env":"S"}}                                                            | routes[0].target.oauth2.token-url: is required
            token-url relative | {"token-url":"/token","client-id":"c","client-secret":{"env":"S"}}                                       | routes[0].target.oauth2.token-url: not an absolute http(s) URL
            token-url ftp      | {"token-url":"ftp://idp/token","client-id":"c","client-secret":{"env":"S"}}                              | routes[0].target.oauth2.token-url: not an absolute http(s) URL
            token-url userinfo | {"token-url":"https://u:p@idp/token","client-id":"c","client-secret":{"env":"S"}}                        | routes[0].target.oauth2.token-url: holds userinfo; the client authenticates with client-id and client-secret
            token-url shown    | {"token-url":"https://idp/token?k=***","client-id":"c","client-secret":{"env":"S"}}                      | routes[0].target.oauth2.token-url: holds a redacted part (***) as shown by GET /admin/config; give the real value
            token-url number   | {"token-url":7,"client-id":"c","client-secret":{"env":"S"}}                                              | routes[0].target.oauth2.token-url: must be a string
            no client-id       | {"token-url":"https://idp/token","client-secret":{"env":"S"}}                                            | routes[0].target.oauth2.client-id: is required
            empty client-id    | {"token-url":"https://idp/token","client-id":"","client-secret":{"env":"S"}}                             | routes[0].target.oauth2.client-id: must be 1 to 1024 characters
            client-id newline  | {"token-url":"https://idp/token","client-id":"a\\nb","client-secret":{"env":"S"}}                        | routes[0].target.oauth2.client-id: holds characters other than visible ASCII and spaces
            no client-secret   | {"token-url":"https://idp/token","client-id":"c"}                                                        | routes[0].target.oauth2.client-secret: needs one of env, file (the secret's value is never written in the config)
            literal secret     | {"token-url":"https://idp/token","client-id":"c","client-secret":"s3cr3t"}                               | routes[0].target.oauth2.client-secret: must be an object with one of env, file
            both sources       | {"token-url":"https://idp/token","client-id":"c","client-secret":{"env":"S","file":"/s"}}                | routes[0].target.oauth2.client-secret: give one of env, file, not both
            bad env name       | {"token-url":"https://idp/token","client-id":"c","client-secret":{"env":"MY-SECRET"}}                    | routes[0].target.oauth2.client-secret.env: not an environment variable name (letters, digits and _, not starting with a digit): 'MY-SECRET'
            bad scope          | {"token-url":"https://idp/token","client-id":"c","client-secret":{"env":"S"},"scope":"a  b"}             | routes[0].target.oauth2.scope: not space-separated scope tokens (RFC 6749 3.3): 'a  b'
            scope quote        | {"token-url":"https://idp/token","client-id":"c","client-secret":{"env":"S"},"scope":"a\\"b"}            | routes[0].target.oauth2.scope: not space-separated scope tokens (RFC 6749 3.3): 'a"b'
            audience number    | {"token-url":"https://idp/token","client-id":"c","client-secret":{"env":"S"},"audience":1}               | routes[0].target.oauth2.audience: must be a string
            unknown key        | {"token-url":"https://idp/token","client-id":"c","client-secret":{"env":"S"},"grant-type":"password"}    | routes[0].target.oauth2.grant-type: unknown key (known: audience, client-id, client-secret, scope, token-url)
            """)
    void aMalformedFieldIsRefusedNamingIt(String what, String oauth2, String problem) throws Exception {
        assertEquals(List.of(problem), problems("http://localhost:1/x", ",\"oauth2\":" + oauth2));
    }

    @Test
    void everyBadFieldIsNamedAtOnce() throws Exception {
        assertEquals(List.of("routes[0].target.oauth2.token-url: not an absolute http(s) URL",
                "routes[0].target.oauth2.client-id: is required",
                "routes[0].target.oauth2.client-secret: needs one of env, file (the secret's value is never written in the config)"),
                problems("http://localhost:1/x", ",\"oauth2\":{\"token-url\":\"nope\"}"));
    }

    @Test
    void anAuthorizationHeaderBesideOAuth2IsRefused() throws Exception {
        assertEquals(List.of("routes[0].target.oauth2: sets Authorization (Bearer), and so does target.headers.Authorization: "
                + "give one or the other"), problems("http://localhost:1/x",
                        ",\"headers\":{\"authorization\":{\"env\":\"A\"}}" + VALID));
    }

    @Test
    void aUrlsUserinfoBesideOAuth2IsRefused() throws Exception {
        assertEquals(List.of("routes[0].target.oauth2: the target URL's userinfo already sets Authorization (Basic): "
                + "give one or the other"), problems("http://u:p@localhost:1/x", VALID));
    }

    @Test
    void theClientSecretIsCheckedAtTheDoorNamingItsField() throws Exception {
        SluiceConfig config = read(VALID);
        List<ConfigProblem> problems = SecretCheck.problems(config, SluiceConfig.PathStyle.JSON, new SecretSource(n -> null),
                new HashMap<>());

        assertEquals(List.of(new ConfigProblem("routes[0].target.oauth2.client-secret.env", "environment variable IDP_SECRET is not set")),
                problems);
    }
}
