package io.quiesce.cluster;

/**
 * Who one end of a link is: sent in the hello (agent) and the welcome (coordinator), checked by the other end.
 *
 * @param host    the host's name among the job's hosts (names its part of every checkpoint)
 * @param user    the user the platform runs as; both ends must run as the same user, since an agent acts only for
 *                the user it runs as
 * @param version the platform's version, shown by {@code hosts}
 */
public record Identity(String host, String user, String version) {
    public Identity {
        check("host", host, ClusterProtocol.HOST.matcher(host == null ? "" : host).matches());
        check("user", user, ClusterProtocol.USER.matcher(user == null ? "" : user).matches());
        check("version", version, ClusterProtocol.VERSION_TEXT.matcher(version == null ? "" : version).matches());
    }

    private static void check(String field, String value, boolean ok) {
        if (!ok) {
            String shown = value == null ? "nothing" : "'" + (value.length() > 70 ? value.substring(0, 70) + "..." : value) + "'";
            throw new IllegalArgumentException("bad " + field + " " + shown.replaceAll("\\p{Cntrl}", "?")
                    + ": expected " + switch (field) {
                        case "host" -> "letters, digits, '.', '_' or '-', at most 63, starting with a letter or digit";
                        case "user" -> "a user name of at most 32 characters";
                        default -> "at most 64 letters, digits or '.', '_', '+', '-'";
                    });
        }
    }
}
