package io.quiesce.cluster;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A TLS context that presents another key and trusts any server: an intruder that gets as far as the coordinator's check. */
final class TrustingContext {
    private TrustingContext() {
    }

    static SSLContext of(ClusterKey intruder) {
        try {
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            char[] pass = new String(java.nio.file.Files.readAllBytes(intruder.folder().resolve(ClusterKey.PASS))).trim().toCharArray();
            try (var in = java.nio.file.Files.newInputStream(intruder.folder().resolve(ClusterKey.STORE))) {
                ks.load(in, pass);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pass);
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf.getKeyManagers(), new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
