package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * The dashboard at /ui in a real headless Chromium, against the packaged app and a real broker
 * with a backlog flowing to a 50 ms sink: what a user sees and what clicking does. The page loads
 * without a console error and shows the route's delivered count rising; Pause on the page stops
 * arrivals at the sink and Resume restarts them; a max-in-flight set on the page is then the
 * largest concurrency the sink sees; 0 and -1 are refused with the server's message at the input
 * and the config version stays; the config editor lists a refused document's problems. Needs
 * /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver): without
 * them it fails, it does not skip.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {
    private static final String TOKEN = "dashboard-token";
    private static final String TOPIC = "dash.orders";
    private static final String ROUTE = "orders";
    private static final int PARTITIONS = 4;
    private static final int BACKLOG = 20_000;
    private static final int FIRST_LIMIT = 4;
    private static final int NEW_LIMIT = 7;
    /** A second route whose target refuses (400, not retried) until healed: its dead letters are for the panel. */
    private static final String DL_ROUTE = "refunds";
    private static final String DL_SOURCE = "dash.refunds";
    private static final String DLT = "dash.refunds.dlt";
    private static final int DEAD_LETTERS = 30;
    private static volatile boolean healed;
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static TestEnvironment env;
    private static SluiceProcess app;
    private static ChromeDriverService service;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "DashboardIT needs " + CHROMIUM
                + " and " + CHROMEDRIVER + ": apt-get update && apt-get install -y chromium chromium-driver (as root)");
        env = TestEnvironment.start(Map.of());
        env.sink().on("/orders", (id, attempt) -> TestSink.Reply.ok(50));
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic(TOPIC, PARTITIONS);
            kafka.createTopic(DL_SOURCE, 2);
            kafka.createTopic(DLT, 2);
        }
        env.sink().on("/refunds", (id, attempt) -> healed ? TestSink.Reply.ok() : TestSink.Reply.status(400));
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", TOKEN);
        config.put("sluice.group-id", "dashboard-it");
        env.route(config, ROUTE, TOPIC, "/orders", FIRST_LIMIT);
        env.route(config, DL_ROUTE, DL_SOURCE, "/refunds", 4);
        config.put("sluice.routes." + DL_ROUTE + ".dead-letter-topic", DLT);
        config.put("sluice.routes." + DL_ROUTE + ".retry.max-attempts", "1");
        app = SluiceProcess.start("dashboard", config, List.of("-Xmx256m")).awaitReady(Duration.ofSeconds(90));
        // a backlog that lasts the whole test at 4-7 in flight x 50 ms (80-140/s), each record its own key
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.sendAll(TOPIC, IntStream.range(0, BACKLOG).mapToObj(i -> "e" + i).toList());
        }

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (app != null) {
            app.close();
        }
        if (env != null) {
            env.close();
        }
    }

    private static String url(String path) {
        return "http://localhost:" + app.port() + path;
    }

    private static WebElement card() {
        return browser.findElement(By.cssSelector("section.route[data-route='" + ROUTE + "']"));
    }

    private static String inCard(String cls) {
        return card().findElement(By.className(cls)).getText().trim();
    }

    /** A count as the page shows it ("12,345"). */
    private static long shown(String cls) {
        String digits = inCard(cls).replaceAll("[^0-9]", "");
        return digits.isEmpty() ? -1 : Long.parseLong(digits);
    }

    private static int arrivals() {
        return env.sink().stats("/orders").acceptedCount();
    }

    private static long configVersion() {
        return app.status().path("configVersion").asLong();
    }

    /** The browser's console and network messages at SEVERE since the last call. */
    private static List<LogEntry> severe() {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
    }

    @Test
    @Order(1)
    void thePageLoadsWithoutConsoleErrorsAndShowsTheDeliveredCountRising() throws Exception {
        browser.get(url("/ui"));
        assertEquals(url("/ui/"), browser.getCurrentUrl(), "/ui leads to the dashboard");
        await("the route's card").atMost(Duration.ofSeconds(15)).ignoreExceptions()
                .until(() -> shown("delivered") >= 0);
        await("connected").atMost(Duration.ofSeconds(10))
                .until(() -> browser.findElement(By.id("conn")).getText().equals("connected"));
        long first = shown("delivered");
        await("the delivered count shown rises").atMost(Duration.ofSeconds(10)).until(() -> shown("delivered") > first);
        long second = shown("delivered");
        await("and rises again").atMost(Duration.ofSeconds(10)).until(() -> shown("delivered") > second);
        // what the page shows is what Sluice counted: within a few ticks of the sink's count
        long onPage = shown("delivered");
        assertTrue(onPage <= arrivals() && onPage > 0, "page " + onPage + ", sink " + arrivals());
        assertEquals(String.valueOf(FIRST_LIMIT), inCard("limit"));
        assertEquals("running", inCard("state"));
        assertEquals(String.valueOf(configVersion()), browser.findElement(By.id("config-version")).getText());
        await("latency p50/p99 shown").atMost(Duration.ofSeconds(10)).until(() -> inCard("latency").contains("p99"));
        await("lag per partition shown").atMost(Duration.ofSeconds(10))
                .until(() -> card().findElements(By.cssSelector(".lag-table td.n")).size() == PARTITIONS);
        System.out.printf("thePageLoads: delivered on the page %d -> %d -> %d, at the sink %d; %s%n", first, second,
                onPage, arrivals(), inCard("latency"));
        assertEquals(List.of(), severe(), "no console errors");
        // data goes into the DOM as text, never as markup
        String js = app.getBody("/ui/dashboard.js");
        for (String sink : List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write")) {
            assertFalse(js.contains(sink), "dashboard.js uses " + sink);
        }
    }

    @Test
    @Order(2)
    void theTokenIsKeptInTheTabOnly() {
        assertEquals("true", card().findElement(By.className("pause")).getDomProperty("disabled"), "no token: read only");
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.id("token-save")).click();
        JavascriptExecutor js = browser;
        assertEquals(TOKEN, js.executeScript("return sessionStorage.getItem('sluice.adminToken')"));
        assertEquals(0L, js.executeScript("return localStorage.length"));
        assertEquals("", browser.findElement(By.id("token")).getDomProperty("value"), "the field is cleared");
        assertEquals("false", card().findElement(By.className("pause")).getDomProperty("disabled"));
    }

    @Test
    @Order(3)
    void pauseOnThePageStopsArrivalsAndResumeRestartsThem() {
        long version = configVersion();
        WebElement pause = card().findElement(By.className("pause"));
        assertEquals("Pause", pause.getText());
        long clicked = System.nanoTime();
        pause.click();
        await("the page shows the route paused").atMost(Duration.ofSeconds(10))
                .until(() -> inCard("state").equals("paused") && inCard("pause").equals("Resume"));
        assertTrue(configVersion() > version, "a config change");
        // those in flight finish, then nothing more arrives
        await("in flight at the sink done").atMost(Duration.ofSeconds(10))
                .until(() -> env.sink().stats("/orders").currentConcurrency() == 0);
        long stoppedMs = (System.nanoTime() - clicked) / 1_000_000;
        int atPause = arrivals();
        await("no arrivals while paused").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(8))
                .until(() -> arrivals() == atPause);
        assertTrue(atPause < BACKLOG, "paused with a backlog left");

        long resumed = System.nanoTime();
        card().findElement(By.className("pause")).click();
        await("arrivals again after Resume").atMost(Duration.ofSeconds(20)).until(() -> arrivals() > atPause + 20);
        long restartMs = (System.nanoTime() - resumed) / 1_000_000;
        await("the page shows it running").atMost(Duration.ofSeconds(10)).until(() -> inCard("state").equals("running"));
        System.out.printf("pauseOnThePage: arrivals stopped %d ms after the click at %d; 20 more %d ms after Resume%n",
                stoppedMs, atPause, restartMs);
    }

    @Test
    @Order(4)
    void aMaxInFlightSetOnThePageIsTheLargestConcurrencyTheSinkSees() throws Exception {
        TestSink.PathStats sink = env.sink().stats("/orders");
        sink.resetMaxConcurrency();
        await("at the first limit").atMost(Duration.ofSeconds(10)).until(() -> sink.maxConcurrency() == FIRST_LIMIT);
        WebElement input = card().findElement(By.className("mif-input"));
        input.clear();
        input.sendKeys(String.valueOf(NEW_LIMIT));
        card().findElement(By.className("mif-apply")).click();
        await("the page shows the new limit").atMost(Duration.ofSeconds(10))
                .until(() -> inCard("limit").equals(String.valueOf(NEW_LIMIT)));
        assertTrue(inCard("route-result").contains("config version"), inCard("route-result"));
        assertEquals("", inCard("mif-error"));
        sink.resetMaxConcurrency();
        await("the sink reaches the new limit").atMost(Duration.ofSeconds(10)).until(() -> sink.maxConcurrency() == NEW_LIMIT);
        await("and never passes it").during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8))
                .until(() -> sink.maxConcurrency() <= NEW_LIMIT);
        assertEquals(NEW_LIMIT, sink.maxConcurrency());
        // the charts have had a few minutes' worth of points: the picture for the README
        Path shot = Path.of("target", "dashboard.png");
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
        Path docs = Path.of("docs", "dashboard.png");
        Files.createDirectories(docs.getParent());
        Files.copy(shot, docs, StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("aMaxInFlightSetOnThePage: largest concurrency at the sink %d after setting %d on the page%n",
                sink.maxConcurrency(), NEW_LIMIT);
    }

    @Test
    @Order(5)
    void anInvalidMaxInFlightIsRefusedAtTheInputAndTheVersionStays() {
        long version = configVersion();
        for (String value : List.of("0", "-1")) {
            WebElement input = card().findElement(By.className("mif-input"));
            input.clear();
            input.sendKeys(value);
            card().findElement(By.className("mif-apply")).click();
            await("the server's message at the input").atMost(Duration.ofSeconds(10))
                    .until(() -> inCard("mif-error").contains("must be between") && inCard("mif-error").contains("was " + value));
            String message = inCard("mif-error");
            assertTrue(message.contains("was " + value), message);
            assertTrue(inCard("route-result").contains("version " + version + " stays"), inCard("route-result"));
            System.out.printf("anInvalidMaxInFlight %s: shown at the input: %s%n", value, message);
        }
        assertEquals(version, configVersion(), "the config in force is unchanged");
        assertEquals(String.valueOf(NEW_LIMIT), inCard("limit"));
        assertEquals(String.valueOf(version), browser.findElement(By.id("config-version")).getText());
        // the only errors the browser logged are the two refused PUTs (Chromium logs each 4xx)
        List<LogEntry> errors = severe();
        assertTrue(errors.stream().allMatch(e -> e.getMessage().contains("/admin/config") && e.getMessage().contains("400")),
                errors.toString());
    }

    @Test
    @Order(6)
    void theConfigEditorListsTheProblemsOfARefusedDocument() {
        long version = configVersion();
        browser.findElement(By.id("editor-load")).click();
        await("the config loaded").atMost(Duration.ofSeconds(10))
                .until(() -> browser.findElement(By.id("editor")).getDomProperty("value").contains("\"" + ROUTE + "\""));
        assertTrue(browser.findElement(By.id("editor-version")).getText().contains(String.valueOf(version)));
        WebElement editor = browser.findElement(By.id("editor"));
        String doc = editor.getDomProperty("value");
        // a misspelt key on the route and a limit out of range
        String bad = doc.replaceFirst("\"max-in-flight\" *: *" + NEW_LIMIT + "(?![0-9])", "\"max-in-flight\": 0, \"timeot\": \"1s\"");
        ((JavascriptExecutor) browser).executeScript("arguments[0].value = arguments[1]", editor, bad);
        browser.findElement(By.id("editor-apply")).click();
        await("the problems listed under the editor").atMost(Duration.ofSeconds(10))
                .until(() -> browser.findElements(By.cssSelector("#editor-problems li")).size() >= 2);
        List<String> problems = browser.findElements(By.cssSelector("#editor-problems li")).stream()
                .map(WebElement::getText).toList();
        System.out.printf("theConfigEditor: %s%n", problems);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("routes[0].max-in-flight: must be between")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("routes[0].timeot: unknown key")), problems.toString());
        assertEquals(version, configVersion(), "the config in force is unchanged");
    }

    @Test
    @Order(7)
    void deadLettersRedrivenFromThePanelReachTheHealedSinkEachOnce() throws Exception {
        severe(); // the refused PUTs of the tests before
        List<String> ids = IntStream.range(0, DEAD_LETTERS).mapToObj(i -> "r" + i).toList();
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.sendKeyed(DL_SOURCE, IntStream.range(0, DEAD_LETTERS).mapToObj(i -> Map.entry("k" + (i % 5), ids.get(i))).toList());
        }
        await("the sink's 400s dead-letter all " + DEAD_LETTERS).atMost(Duration.ofSeconds(60))
                .until(() -> SluiceProcess.routeStatus(app.status(), DL_ROUTE).path("deadLettered").asInt() >= DEAD_LETTERS);
        TestSink.PathStats sink = env.sink().stats("/refunds");
        assertEquals(0, sink.acceptedCount(), "nothing accepted before the sink heals");
        healed = true;

        await("the route in the panel's select").atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> { new Select(browser.findElement(By.id("dl-route"))).selectByValue(DL_ROUTE); return true; });
        browser.findElement(By.id("dl-load")).click();
        await("the dead letters listed").atMost(Duration.ofSeconds(15))
                .until(() -> browser.findElements(By.cssSelector("#dl-table tr.dl-row")).size() == DEAD_LETTERS);
        List<WebElement> rows = browser.findElements(By.cssSelector("#dl-table tr.dl-row"));
        Set<String> values = rows.stream().map(r -> r.findElement(By.className("value")).getText().trim()).collect(Collectors.toSet());
        assertEquals(Set.copyOf(ids), values, "each dead letter once, its value previewed");
        String first = rows.get(0).getText();
        assertTrue(first.contains("400") && first.contains(DL_SOURCE + "-"), first);
        assertEquals("", browser.findElement(By.id("dl-error")).getText());
        assertEquals("true", browser.findElement(By.id("dl-older")).getDomProperty("disabled"), "one page: nothing older");

        long clicked = System.nanoTime();
        browser.findElement(By.id("dl-redrive-all")).click();
        await("all " + DEAD_LETTERS + " delivered to the healed sink").atMost(Duration.ofSeconds(60))
                .until(() -> sink.acceptedCount() >= DEAD_LETTERS);
        long deliveredMs = (System.nanoTime() - clicked) / 1_000_000;
        By run = By.cssSelector("#redrive-table tbody tr");
        await("the redrives table shows the run done").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> browser.findElement(run).findElement(By.className("state")).getText().equals("done"));
        WebElement done = browser.findElement(run);
        assertEquals(String.valueOf(DEAD_LETTERS), done.findElement(By.className("delivered")).getText());
        assertEquals("0", done.findElement(By.className("dead-lettered-again")).getText());
        assertEquals(DL_ROUTE, done.findElements(By.tagName("td")).get(1).getText());
        assertFalse(done.findElement(By.className("redrive-cancel")).isDisplayed(), "no Cancel on a finished run");
        await("and nothing more arrives").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
                .until(() -> sink.acceptedCount() == DEAD_LETTERS);
        List<String> log = sink.acceptedLog();
        assertEquals(DEAD_LETTERS, log.size(), log.toString());
        assertEquals(Set.copyOf(ids), new HashSet<>(log), "each of the " + DEAD_LETTERS + " exactly once");

        ((JavascriptExecutor) browser).executeScript("document.getElementById('redrive-table').scrollIntoView({block: 'end'})");
        Files.write(Path.of("target", "dashboard-dead-letters.png"), browser.getScreenshotAs(OutputType.BYTES));
        System.out.printf("deadLettersRedriven: %d listed on the page, all delivered %d ms after the click, each once; "
                + "redrive row: %s%n", rows.size(), deliveredMs, done.getText());
        assertEquals(List.of(), severe(), "no console errors");
    }
}
