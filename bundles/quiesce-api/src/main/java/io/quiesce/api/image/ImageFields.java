package io.quiesce.api.image;

import io.quiesce.api.ImageException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Checks for values read from an image before they are used: an image is input, and no field of it may become a
 * path, a size or a choice unchecked. Every check throws an {@link ImageException} naming the file and the field.
 */
public final class ImageFields {
    /** Longest ID or name accepted. */
    public static final int MAX_ID = 64;
    /** Longest relative file name accepted. */
    public static final int MAX_NAME = 255;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_ID + "}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");

    private ImageFields() {
    }

    /**
     * An identifier used as a file name: letters, digits, {@code . _ -}, at most {@value #MAX_ID}, not {@code .} or
     * containing {@code ..}.
     *
     * @param value the value
     * @param field the field's name, for the message
     * @param file  the file it was read from
     * @return the value
     * @throws ImageException when it is missing or not such an identifier
     */
    public static String id(String value, String field, Path file) throws ImageException {
        if (value == null) {
            throw new ImageException("field '" + field + "' is missing", file);
        }
        if (!ID.matcher(value).matches() || value.contains("..") || value.equals(".")) {
            throw new ImageException("field '" + field + "' is not a valid identifier (" + quote(value)
                    + "): use letters, digits, '.', '_' and '-', at most " + MAX_ID + ", no '..'", file);
        }
        return value;
    }

    /**
     * A file name relative to the image folder that stays inside it: components of letters, digits and
     * {@code . _ -} joined by {@code /}, none of them {@code .} or {@code ..}.
     *
     * @param value the name
     * @param field the field's name, for the message
     * @param file  the file it was read from
     * @return the name
     * @throws ImageException when it is missing, absolute or leaves the folder
     */
    public static String relative(String value, String field, Path file) throws ImageException {
        if (value == null) {
            throw new ImageException("field '" + field + "' is missing", file);
        }
        boolean ok = value.length() <= MAX_NAME && NAME.matcher(value).matches();
        if (ok) {
            for (String part : value.split("/")) {
                ok &= !part.equals(".") && !part.equals("..");
            }
        }
        if (!ok) {
            throw new ImageException("field '" + field + "' names a file outside the image folder or with an invalid name ("
                    + quote(value) + ")", file);
        }
        return value;
    }

    /**
     * @param value a size, count or offset
     * @param max   the largest value accepted
     * @param field the field's name
     * @param file  the file it was read from
     * @return the value
     * @throws ImageException when it is negative or larger than {@code max}
     */
    public static long range(long value, long max, String field, Path file) throws ImageException {
        if (value < 0 || value > max) {
            throw new ImageException("field '" + field + "' is out of range (" + value + ", expected 0.." + max + ")", file);
        }
        return value;
    }

    /**
     * @param value   a value that must be one of {@code allowed}
     * @param allowed the accepted values
     * @param field   the field's name
     * @param file    the file it was read from
     * @return the value
     * @throws ImageException when it is missing or not one of them
     */
    public static String oneOf(String value, Collection<String> allowed, String field, Path file) throws ImageException {
        if (value == null || !allowed.contains(value)) {
            throw new ImageException("field '" + field + "' is " + quote(value) + ", expected one of " + allowed, file);
        }
        return value;
    }

    /**
     * @param value a required value
     * @param field the field's name
     * @param file  the file it was read from
     * @param <T>   its type
     * @return the value
     * @throws ImageException when it is null
     */
    public static <T> T present(T value, String field, Path file) throws ImageException {
        if (value == null) {
            throw new ImageException("field '" + field + "' is missing", file);
        }
        return value;
    }

    /**
     * @param message a parser's message
     * @return its first line without the parser's notes on where its input came from
     */
    public static String parserMessage(String message) {
        String m = String.valueOf(message);
        int cut = m.indexOf('\n');
        m = cut > 0 ? m.substring(0, cut) : m;
        int src = m.indexOf("[Source:");
        if (src >= 0) {
            m = m.substring(0, src).replaceAll("[\\s(]*(start marker at)?[\\s(]*$", "");
        }
        return m;
    }

    /**
     * @param e what a parser threw that is not a syntax error it describes itself
     * @return what that means for the input, without the exception's name or text
     */
    public static String parserFailure(Throwable e) {
        return e instanceof java.io.CharConversionException || e instanceof java.nio.charset.CharacterCodingException
                ? "not text in a JSON encoding (invalid bytes)"
                : e instanceof java.io.IOException ? "not readable as JSON" : "a value the reader cannot hold";
    }

    /**
     * @param s a value read from an image, or null
     * @return it quoted for a message, cut to 80 characters and with control characters escaped
     */
    public static String quote(String s) {
        if (s == null) {
            return "none";
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : c == '"' || c == '\\' ? "\\" + c : String.valueOf(c));
        }
        return b.append(s.length() > 80 ? "...\"" : "\"").toString();
    }
}
