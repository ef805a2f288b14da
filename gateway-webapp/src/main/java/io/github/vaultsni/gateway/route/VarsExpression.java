package io.github.vaultsni.gateway.route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A route's {@code vars}: APISIX's expression lists (lua-resty-expr v1), compiled once when the route is written or
 * built, evaluated on the request model. A list of rules all of which must hold, or a logical node
 * {@code ["OR"|"AND"|"!OR"|"!AND", expr, expr, ...]}, nested at will; a rule is {@code [variable, op, value]} or
 * {@code [variable, "!", op, value]} (negated), with {@code ==}, {@code ~=}, {@code >}, {@code >=}, {@code <},
 * {@code <=}, {@code ~~} (regex), {@code ~*} (regex, any case), {@code in}, {@code has}, {@code ipmatch}; a
 * two-element rule {@code [variable, value]} is {@code ==}. Comparisons are Lua's: a number on the right compares
 * the variable as a number ({@code tonumber}), an absent variable equals nothing and differs from everything.
 * What lua-resty-expr would only find out per request (a bad regex, a bad address) is refused here, when the route
 * is written. {@code has} is true when one of the variable's values (a repeated header or parameter) is the value.
 * Immutable.
 */
public final class VarsExpression {
    private static final Set<String> LOGIC = Set.of("AND", "OR", "!AND", "!OR");
    private static final VarsExpression ALWAYS = new VarsExpression(null);

    private final Node root;

    private VarsExpression(Node root) {
        this.root = root;
    }

    /**
     * @throws IllegalArgumentException with lua-resty-expr's message ({@code invalid operator '='}, {@code rule too
     *                                  short}, {@code rule should be wrapped inside brackets}, ...) or ours
     */
    public static VarsExpression compile(JsonNode vars) {
        if (vars == null || vars.isNull() || vars.isArray() && vars.isEmpty()) {
            return ALWAYS;
        }
        if (!vars.isArray()) {
            throw new IllegalArgumentException("invalid expression");
        }
        if (!vars.get(0).isArray() && !LOGIC.contains(vars.get(0).asText().toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException("rule should be wrapped inside brackets");
        }
        return new VarsExpression(node(vars));
    }

    /** Whether the request passes (always, for no vars). */
    public boolean matches(RouteRequest request) {
        return matches(new VariableValues(request));
    }

    /** As {@link #matches(RouteRequest)}, reading variables through what this match has read already. */
    boolean matches(VariableValues values) {
        return root == null || root.test(values);
    }

    private static Node node(JsonNode rules) {
        if (!rules.isArray() || rules.isEmpty()) {
            throw new IllegalArgumentException("rule too short");
        }
        if (rules.get(0).isArray()) {
            List<Node> all = new ArrayList<>();
            rules.forEach(rule -> all.add(node(rule)));
            return new Logic("AND", all);
        }
        String op = rules.get(0).asText().toUpperCase(Locale.ROOT);
        if (rules.get(0).isTextual() && LOGIC.contains(op)) {
            if (rules.size() <= 2) {
                throw new IllegalArgumentException("rule too short");
            }
            List<Node> children = new ArrayList<>();
            for (int i = 1; i < rules.size(); i++) {
                children.add(node(rules.get(i)));
            }
            return new Logic(op, children);
        }
        return Rule.of(rules);
    }

    private interface Node {
        boolean test(VariableValues request);

        /** How much a test costs, roughly: nodes of one logical node are tested cheapest first. */
        int cost();
    }

    /**
     * AND, OR, !AND, !OR over children, tested cheapest first (rules have no side effects, so the order changes
     * only how soon the answer is known: a canary route whose header differs is refused before its regex runs).
     */
    private static final class Logic implements Node {
        private final boolean any;
        private final boolean negate;
        private final Node[] children;

        Logic(String op, List<Node> children) {
            this.any = op.endsWith("OR");
            this.negate = op.startsWith("!");
            this.children = children.stream().sorted(java.util.Comparator.comparingInt(Node::cost)).toArray(Node[]::new);
        }

        @Override
        public int cost() {
            int cost = 10;
            for (Node child : children) {
                cost += child.cost();
            }
            return cost;
        }

        @Override
        public boolean test(VariableValues request) {
            boolean result = !any;
            for (Node child : children) {
                if (child.test(request) == any) {
                    result = any;
                    break;
                }
            }
            return negate != result;
        }
    }

    /** lua-resty-expr's comparison operators. */
    private enum Op {
        EQ("=="), NE("~="), GT(">"), GE(">="), LT("<"), LE("<="), REGEX("~~"), REGEX_ANY_CASE("~*"), IN("in"),
        HAS("has"), IPMATCH("ipmatch");

        private final String text;

        Op(String text) {
            this.text = text;
        }

        static Op of(String text) {
            for (Op op : values()) {
                if (op.text.equals(text)) {
                    return op;
                }
            }
            return null;
        }
    }

    /**
     * One comparison, its right-hand side prepared when compiled: as a number ({@code number}, null when it is
     * not one), a regex, or addresses.
     */
    private record Rule(RequestVariable variable, Op op, JsonNode value, String text, Double number, Pattern regex,
                        ClientAddresses addresses, boolean negated) implements Node {

        static Rule of(JsonNode rule) {
            boolean negated = rule.size() == 4;
            if (negated && !"!".equals(rule.get(1).asText())) {
                throw new IllegalArgumentException("bad 'not' expression");
            }
            JsonNode left = rule.get(0);
            JsonNode opNode = rule.get(negated ? 2 : 1);
            JsonNode value = rule.get(negated ? 3 : 2);
            if (left == null || !left.isTextual() || opNode == null || !opNode.isValueNode() || opNode.isNull()) {
                throw new IllegalArgumentException("invalid expression");
            }
            String text = opNode.asText().toLowerCase(Locale.ROOT);
            Op op = Op.of(text);
            if (value == null && op == null) { // absent, not null: lua-resty-expr's null is a value (ngx.null)
                value = opNode.isTextual() ? TextNode.valueOf(text) : opNode;
                op = Op.EQ; // lua-resty-expr: [variable, value] for compatibility
            }
            if (op == null) {
                throw new IllegalArgumentException("invalid operator '" + text + "'");
            }
            RequestVariable variable = RequestVariable.named(left.asText());
            value = value == null ? NullNode.getInstance() : value;
            Pattern regex = op == Op.REGEX || op == Op.REGEX_ANY_CASE ? regex(value, op == Op.REGEX_ANY_CASE) : null;
            ClientAddresses addresses = null;
            if (op == Op.IPMATCH) {
                if (value.isNull() || value.isTextual() && value.asText().isEmpty()) {
                    throw new IllegalArgumentException("invalid ip address");
                }
                addresses = ClientAddresses.of(value);
            }
            if (op == Op.IN && !value.isArray()) {
                throw new IllegalArgumentException("invalid expression: 'in' takes an array");
            }
            Double number = value.isNumber() ? Double.valueOf(value.asDouble()) : value.isTextual() ? LuaNumber.parse(value.asText()) : null;
            return new Rule(variable, op, value, value.isTextual() ? value.asText() : null, number, regex, addresses,
                    negated);
        }

        private static Pattern regex(JsonNode value, boolean anyCase) {
            if (!value.isTextual()) {
                throw new IllegalArgumentException("invalid regular expression: " + value);
            }
            try {
                return Pattern.compile(value.asText(), anyCase ? Pattern.CASE_INSENSITIVE : 0);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid regular expression " + value + ": " + e.getDescription());
            }
        }

        @Override
        public boolean test(VariableValues request) {
            return negated != compare(request);
        }

        /** An address's bytes or a text compared: 1; a number parsed: 2; a regex run: 3. */
        @Override
        public int cost() {
            return switch (op) {
                case REGEX, REGEX_ANY_CASE -> 3;
                case GT, GE, LT, LE -> 2;
                default -> value.isNumber() ? 2 : 1;
            };
        }

        private boolean compare(VariableValues request) {
            return switch (op) {
                case IPMATCH -> addresses.contains(variable.isRemoteAddress() ? request.request().remoteAddressBytes()
                        : ClientAddresses.parse(request.value(variable)));
                case HAS -> text != null && variable.values(request.request()).contains(text);
                case EQ -> equal(request.value(variable));
                case NE -> value.isNumber() ? !sameNumber(request.value(variable)) : !equal(request.value(variable));
                case GT, GE, LT, LE -> ordered(LuaNumber.parse(request.value(variable)));
                case REGEX, REGEX_ANY_CASE -> {
                    String left = request.value(variable);
                    yield left != null && regex.matcher(left).find();
                }
                case IN -> contains(request.value(variable));
            };
        }

        private boolean ordered(Double left) {
            if (left == null || number == null) {
                return false;
            }
            return switch (op) {
                case GT -> left > number;
                case GE -> left >= number;
                case LT -> left < number;
                default -> left <= number;
            };
        }

        private boolean equal(String left) {
            if (value.isNull()) {
                return left == null;
            }
            if (value.isNumber()) {
                return sameNumber(left);
            }
            return text != null && text.equals(left);
        }

        private boolean sameNumber(String left) {
            Double parsed = LuaNumber.parse(left);
            return parsed != null && parsed.doubleValue() == number;
        }

        private boolean contains(String left) {
            for (JsonNode element : value) {
                if (element.isTextual() && element.asText().equals(left)) {
                    return true;
                }
            }
            return false;
        }
    }


}
