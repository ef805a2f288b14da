package io.github.vaultsni.gateway.admin;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Who may call the admin API, as APISIX decides it: the key comes from the {@code X-API-KEY} header, the
 * {@code api_key} query parameter or the {@code X-API-KEY} cookie; the admin key may do anything, the viewer key
 * only GET. A documented development setting lets loopback callers in without a key (APISIX's quickstart does
 * the same). Keys are compared in constant time. {@code toString()} never prints a key.
 */
public final class AdminAccess {
    private final byte[] adminKey;
    private final byte[] viewerKey;
    private final boolean loopbackWithoutKey;

    /**
     * @param viewerKey          null for no viewer role
     * @param loopbackWithoutKey development only: callers from 127.0.0.0/8 or ::1 need no key
     */
    public AdminAccess(String adminKey, String viewerKey, boolean loopbackWithoutKey) {
        if (adminKey == null || adminKey.isBlank()) {
            throw new IllegalArgumentException("admin key must not be empty");
        }
        this.adminKey = adminKey.getBytes(StandardCharsets.UTF_8);
        this.viewerKey = viewerKey == null || viewerKey.isBlank() ? null : viewerKey.getBytes(StandardCharsets.UTF_8);
        this.loopbackWithoutKey = loopbackWithoutKey;
    }

    /**
     * @param key           the presented key (header, query or cookie, in that order), or null
     * @param remoteAddress the caller's IP address
     * @throws AdminException 401 with APISIX's body when refused
     */
    void check(String method, String key, String remoteAddress) {
        if (key == null || key.isEmpty()) {
            if (loopbackWithoutKey && isLoopback(remoteAddress)) {
                return;
            }
            throw AdminException.unauthorized("missing apikey");
        }
        byte[] given = key.getBytes(StandardCharsets.UTF_8);
        if (MessageDigest.isEqual(given, adminKey)) {
            return;
        }
        if (viewerKey != null && MessageDigest.isEqual(given, viewerKey)) {
            if (!method.equals("GET")) {
                throw AdminException.unauthorized("invalid method for role viewer");
            }
            return;
        }
        throw AdminException.unauthorized("wrong apikey");
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
