package io.quiesce.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Answers the requests a peer sends on a link, one at a time, in arrival order, off Mina's I/O threads. */
@FunctionalInterface
public interface RequestHandler {
    /**
     * @param link the link the request came on
     * @param op   what is asked (checked: a short name)
     * @param body the request's body (an object, possibly empty); validate every field
     * @return the reply's body; ignored for a notice (a request without id)
     * @throws Exception its message is sent back as the request's error (never a stack trace)
     */
    ObjectNode handle(Link link, String op, ObjectNode body) throws Exception;
}
