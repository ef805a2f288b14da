package io.github.vaultsni.gateway.admin;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * The admin API's access rule in front of other paths: the metrics endpoint of the WAR (which shares the public
 * connectors) and the certificates page's data. The key as the admin API takes it ({@code X-API-KEY} header,
 * {@code api_key} query parameter, {@code X-API-KEY} cookie; a viewer key may GET); a refusal is APISIX's 401
 * {@code {"error_msg":"failed to check token","description":...}}.
 *
 * <p>No init-params: it is made with its {@link AdminAccess} by whoever assembles the gateway.
 */
public final class AdminKeyFilter implements Filter {
    private final AdminAccess access;

    public AdminKeyFilter(AdminAccess access) {
        this.access = access;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        try {
            access.check(http.getMethod(), AdminAccess.presentedKey(http, AdminServlet.query(http.getQueryString())),
                    http.getRemoteAddr(), http.getRequestURI());
        } catch (AdminException refused) {
            if (refused.retryAfterSeconds > 0) {
                ((HttpServletResponse) response).setHeader("Retry-After", Long.toString(refused.retryAfterSeconds));
            }
            AdminServlet.write((HttpServletResponse) response, refused.status, refused.body);
            return;
        }
        chain.doFilter(request, response);
    }
}
