package io.github.vaultsni.gateway.admin;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Map;

/**
 * Who may call the admin API, as APISIX decides it: the key comes from the {@code X-API-KEY} header, the
 * {@code api_key} query parameter or the {@code X-API-KEY} cookie; the admin key may do anything, the viewer key
 * only GET. A documented development setting lets loopback callers in without a key (APISIX's quickstart does
 * the same). Keys are compared in constant time. {@code toString()} never prints a key. A refusal is logged and a
 * client that keeps failing is answered 429 a while ({@link FailedAdminCalls}).
 */
public final class AdminAccess {
    private final byte[] adminKey;
    private final byte[] viewerKey;
    private final boolean loopbackWithoutKey;
    private final FailedAdminCalls failures;

    /**
     * @param viewerKey          null for no viewer role
     * @param loopbackWithoutKey development only: callers from 127.0.0.0/8 or ::1 need no key
     */
    public AdminAccess(String adminKey, String viewerKey, boolean loopbackWithoutKey) {
        this(adminKey, viewerKey, loopbackWithoutKey, Clock.systemUTC());
    }

    AdminAccess(String adminKey, String viewerKey, boolean loopbackWithoutKey, Clock clock) {
        if (adminKey == null || adminKey.isBlank()) {
            throw new IllegalArgumentException("admin key must not be empty");
        }
        this.adminKey = adminKey.getBytes(StandardCharsets.UTF_8);
        this.viewerKey = viewerKey == null || viewerKey.isBlank() ? null : viewerKey.getBytes(StandardCharsets.UTF_8);
        this.loopbackWithoutKey = loopbackWithoutKey;
        this.failures = new FailedAdminCalls(clock);
    }

    /**
     * @param key           the presented key (header, query or cookie, in that order), or null
     * @param remoteAddress the caller's IP address
     * @param path          the path called (for the log: never its query, which may hold a key)
     * @throws AdminException 401 with APISIX's body when refused; 429, the key not compared, for a client past its
     *                        refused calls of the minute
     */
    void check(String method, String key, String remoteAddress, String path) {
        // One client's check, comparison and count in turn: a parallel burst of guesses once had six keys compared
        // where five are free (each saw four refusals counted before any was).
        synchronized (failures.lockFor(remoteAddress)) {
            long blocked = failures.blockedSeconds(remoteAddress);
            if (blocked > 0) {
                failures.refused(remoteAddress, method, path, "too many refused calls, key not compared");
                throw AdminException.tooManyRefusals(blocked);
            }
            String refusal = refusal(method, key, remoteAddress);
            if (refusal != null) {
                failures.refused(remoteAddress, method, path, refusal);
                throw AdminException.unauthorized(refusal);
            }
        }
    }

    /** Why the call is refused (APISIX's words), or null. */
    private String refusal(String method, String key, String remoteAddress) {
        if (key == null || key.isEmpty()) {
            return loopbackWithoutKey && isLoopback(remoteAddress) ? null : "missing apikey";
        }
        byte[] given = key.getBytes(StandardCharsets.UTF_8);
        if (MessageDigest.isEqual(given, adminKey)) {
            return null;
        }
        if (viewerKey != null && MessageDigest.isEqual(given, viewerKey)) {
            return method.equals("GET") ? null : "invalid method for role viewer";
        }
        return "wrong apikey";
    }

    /** The key a request presents: its {@code X-API-KEY} header, else {@code api_key} in {@code query}, else the cookie. */
    static String presentedKey(HttpServletRequest request, Map<String, String> query) {
        String key = request.getHeader("X-API-KEY");
        if (key == null) {
            key = query.get("api_key");
        }
        if (key == null && request.getCookies() != null) {
            for (Cookie cookie : request.getCookies()) {
                if (cookie.getName().equalsIgnoreCase("X-API-KEY")) {
                    key = cookie.getValue();
                }
            }
        }
        return key;
    }

    private static boolean isLoopback(String address) {
        try {
            return address != null && InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "AdminAccess{viewer=" + (viewerKey != null) + ", loopbackWithoutKey=" + loopbackWithoutKey + "}";
    }
}
