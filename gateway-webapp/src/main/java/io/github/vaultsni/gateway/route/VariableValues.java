package io.github.vaultsni.gateway.route;

import java.util.Arrays;

/**
 * The request variables read while one request is matched, each read once: the routes of one URI (canaries told
 * apart by a header, say) ask for the same few variables, and a header or parameter lookup costs more than finding
 * it here. Made per match, on the matching thread; not shared.
 */
final class VariableValues {
    private final RouteRequest request;
    private RequestVariable[] variables = new RequestVariable[4];
    private String[] values = new String[4];
    private int size;

    VariableValues(RouteRequest request) {
        this.request = request;
    }

    RouteRequest request() {
        return request;
    }

    /** The variable's value ({@link RequestVariable#value}), read at its first use in this match. */
    String value(RequestVariable variable) {
        for (int i = 0; i < size; i++) {
            if (variables[i] == variable || variables[i].equals(variable)) {
                return values[i];
            }
        }
        String value = variable.value(request);
        if (size == variables.length) {
            variables = Arrays.copyOf(variables, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        variables[size] = variable;
        values[size++] = value;
        return value;
    }
}
