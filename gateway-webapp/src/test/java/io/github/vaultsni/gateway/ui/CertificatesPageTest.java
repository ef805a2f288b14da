package io.github.vaultsni.gateway.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.accesslog.AccessLogDestination;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The certificates page in a real headless browser (Debian's chromium, driven by its chromedriver): the key asked
 * for once, every SSL object of a test configuration with its state, expiry colour and countdown, the references
 * and whether each secret object's Vault is reachable. A screenshot is kept in
 * {@code target/certificates-page.png} for a person to look at.
 */
@Timeout(90)
class CertificatesPageTest {
    private static final String KEY = "ui-admin-key";
    private static final String ROOT_TOKEN = "ui-root";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private VaultTestServer vault;
    private Gateway gateway;
    private ChromeDriver browser;

    @BeforeEach
    void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("chromium or chromedriver is missing on CI: .ci/run should have installed them");
        }
        Assumptions.assumeTrue(present, "chromium and chromedriver are not installed: skipping (.ci/run installs them)");
        vault = VaultTestServer.builder().rootToken(ROOT_TOKEN).start();
        gateway = Gateway.start(TestGatewayConfig.loopback(dir.resolve("data")).adminKey(KEY)
                .metrics(false).accessLog(AccessLogDestination.off()).build());
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--window-size=1400,900");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build(), options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20)).scriptTimeout(Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (vault != null) {
            vault.close();
        }
    }

    @Test
    void page_afterTheKey_listsEveryObject_coloursByExpiry_andTellsWhichVaultIsReachable() throws Exception {
        AdminTestClient admin = new AdminTestClient(gateway.adminPort(), KEY);
        Issued root = TestPki.rootCa("UI ROOT", "EC");
        Instant now = Instant.now();
        ssl(admin, "soon", "soon.test", root.leaf("EC", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(5)), "soon.test"));
        ssl(admin, "month", "month.test", root.leaf("EC", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(20)), "month.test"));
        ssl(admin, "far", "far.test", root.leaf("EC", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(90)), "far.test"));
        ssl(admin, "expired", "expired.test",
                root.leaf("EC", now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)), "expired.test"));
        // One SSL object read through a reachable Vault, one through a Vault that is down.
        VaultHttp http = new VaultHttp(vault.address());
        http.enableKv(ROOT_TOKEN, "kv", 1);
        Issued vaulted = root.leaf("EC", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(200)), "vaulted.test");
        http.putSecret(ROOT_TOKEN, 1, "kv", "apisix/ssl", Map.of("crt", vaulted.certificatePem(), "key", vaulted.privateKeyPem()));
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        put(admin, "secrets/vault/up", "{\"uri\":\"" + vault.address() + "\",\"prefix\":\"kv/apisix\",\"token\":\"" + ROOT_TOKEN + "\"}");
        put(admin, "secrets/vault/down", "{\"uri\":\"http://127.0.0.1:" + dead + "\",\"prefix\":\"kv/apisix\",\"token\":\"t\",\"timeout\":1}");
        put(admin, "ssls/vaulted", "{\"sni\":\"vaulted.test\",\"cert\":\"$secret://vault/up/ssl/crt\",\"key\":\"$secret://vault/up/ssl/key\"}");
        put(admin, "ssls/broken", "{\"sni\":\"broken.test\",\"cert\":\"$secret://vault/down/ssl/crt\",\"key\":\"$secret://vault/down/ssl/key\"}");
        await().atMost(Duration.ofSeconds(15)).until(() -> !"pending".equalsIgnoreCase(
                admin.call("GET", "ssls/broken/status", null).json().path("state").asText()));

        browser.get("http://127.0.0.1:" + gateway.adminPort() + "/ui"); // as a person types it: redirected to /ui/
        assertEquals("http://127.0.0.1:" + gateway.adminPort() + "/ui/", browser.getCurrentUrl());
        await().atMost(Duration.ofSeconds(10)).until(() -> browser.findElement(By.id("login")).isDisplayed());
        assertFalse(browser.findElement(By.id("content")).isDisplayed(), "nothing shown without the key");
        login("not-the-key");
        await().atMost(Duration.ofSeconds(10)).until(() -> browser.findElement(By.id("login-error")).getText().equals("wrong apikey"));
        login(KEY);
        await().atMost(Duration.ofSeconds(10)).until(() -> browser.findElements(By.cssSelector("#ssls tbody tr")).size() == 6);
        assertFalse(browser.findElement(By.id("login")).isDisplayed(), "the form is gone once the key is taken");

        assertEquals("expiry-red", expiryClass("soon"), "under 7 days");
        assertEquals("expiry-amber", expiryClass("month"), "under 30 days");
        assertEquals("expiry-ok", expiryClass("far"));
        assertEquals("expiry-red", expiryClass("expired"));
        assertEquals("rgba(255, 170, 170, 1)", notAfter("soon").getCssValue("background-color"));
        assertEquals("rgba(255, 221, 140, 1)", notAfter("month").getCssValue("background-color"));
        assertEquals("rgba(0, 0, 0, 0)", notAfter("far").getCssValue("background-color"));
        assertEquals("expired", notAfter("expired").findElement(By.className("countdown")).getText());
        assertTrue(notAfter("soon").findElement(By.className("countdown")).getText().matches("in [45] d \\d+ h \\d+ min \\d+ s"),
                notAfter("soon").getText());
        WebElement far = row("far");
        assertTrue(far.getText().contains("far.test") && far.getText().contains("CN=UI ROOT") && far.getText().contains("active"),
                far.getText());
        assertTrue(row("vaulted").getText().contains("$secret://vault/up/ssl/crt \u2192 vault/up"), row("vaulted").getText());
        WebElement broken = row("broken").findElement(By.className("state"));
        assertEquals("state state-failed", broken.getAttribute("class"));
        assertTrue(broken.getText().contains("unreachable"), broken.getText());
        assertEquals("reachable", secretObject("vault/up"));
        assertEquals("unreachable", secretObject("vault/down"));

        Path shot = Path.of("target", "certificates-page.png");
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(Files.size(shot) > 10_000, "a screenshot for a person to look at: " + shot.toAbsolutePath());
        assertFalse(browser.getPageSource().contains("PRIVATE KEY"), "no key material on the page");

        // It refreshes itself: a new SSL object appears without a reload.
        ssl(admin, "later", "later.test", root.leaf("EC", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(60)), "later.test"));
        await().atMost(Duration.ofSeconds(20)).until(() -> browser.findElements(By.cssSelector("#ssls tbody tr")).size() == 7);
    }

    private void login(String key) {
        WebElement field = browser.findElement(By.id("key"));
        field.clear();
        field.sendKeys(key);
        browser.findElement(By.cssSelector("#login button[type=submit]")).click();
    }

    private WebElement row(String id) {
        return browser.findElement(By.cssSelector("#ssls tr[data-id='" + id + "']"));
    }

    private WebElement notAfter(String id) {
        return row(id).findElement(By.cssSelector("td.not-after"));
    }

    private String expiryClass(String id) {
        return List.of(notAfter(id).getAttribute("class").split(" ")).stream().filter(c -> c.startsWith("expiry-"))
                .findFirst().orElse("none");
    }

    private String secretObject(String id) {
        return browser.findElement(By.cssSelector("#secret-objects tr[data-id='" + id + "'] td.reachable")).getText();
    }

    private static void ssl(AdminTestClient admin, String id, String sni, Issued leaf) {
        put(admin, "ssls/" + id, JSON.createObjectNode().put("sni", sni).put("cert", leaf.certificatePem())
                .put("key", leaf.privateKeyPem()).toString());
    }

    private static void put(AdminTestClient admin, String path, String body) {
        AdminTestClient.Answer answer = admin.call("PUT", path, body);
        assertTrue(answer.status() == 200 || answer.status() == 201, answer::toString);
    }
}
