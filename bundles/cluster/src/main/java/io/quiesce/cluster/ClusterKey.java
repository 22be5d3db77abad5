package io.quiesce.cluster;

import io.quiesce.api.home.HomeFiles;
import io.quiesce.api.image.SecureFiles;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The cluster key: one key pair with a self-signed certificate, made once by {@code quiesce cluster init} and copied
 * to every host's {@code $QUIESCE_HOME/cluster/}. Every link is TLS 1.3 with this key on both ends, and each end
 * accepts exactly this certificate and no other (no certificate authority, no host names): holding the cluster's
 * private key is what makes a platform a member. The key store and its password are 0600 files in a 0700 folder,
 * read without following links, bounded in size.
 */
public final class ClusterKey {
    /** The folder in a platform's home that holds the key. */
    public static final String FOLDER = "cluster";
    /** The PKCS#12 key store: the private key and its certificate. */
    public static final String STORE = "cluster.p12";
    /** The key store's password, one line. */
    public static final String PASS = "cluster.pass";
    private static final String ALIAS = "quiesce-cluster";
    private static final int STORE_MAX = 64 << 10;
    private static final int PASS_MAX = 256;

    private final Path folder;
    private final X509Certificate certificate;
    private final SSLContext context;

    private ClusterKey(Path folder, X509Certificate certificate, SSLContext context) {
        this.folder = folder;
        this.certificate = certificate;
        this.context = context;
    }

    /**
     * Makes a new cluster key in {@code home/cluster} with the JDK's {@code keytool} (an EC P-256 key pair and a
     * self-signed certificate valid for ten years). Refuses to replace an existing key: every host holding it would
     * be locked out.
     *
     * @param home the platform's home (trusted, see {@link HomeFiles#root})
     * @return the key
     * @throws IOException when a key exists already or keytool fails (its output in the message)
     */
    public static ClusterKey init(Path home) throws IOException {
        Path folder = HomeFiles.folder(home.resolve(FOLDER));
        Path store = folder.resolve(STORE);
        Path pass = folder.resolve(PASS);
        if (Files.exists(store, LinkOption.NOFOLLOW_LINKS) || Files.exists(pass, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(store.toString(), null, "a cluster key exists already; every host that holds it would be "
                    + "locked out by a new one (remove " + folder + " first to start a new cluster)");
        }
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Path tmp = folder.resolve(".new-" + STORE);
        Files.deleteIfExists(tmp);
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> cmd = new ArrayList<>(List.of(keytool, "-genkeypair", "-noprompt", "-alias", ALIAS,
                "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "3650",
                "-dname", "CN=Quiesce cluster " + HexFormat.of().formatHex(secret, 0, 4),
                "-storetype", "PKCS12", "-keystore", tmp.toString(),
                // the password through the environment, never on a command line other users can read in /proc
                "-storepass:env", "QUIESCE_CLUSTER_PASS", "-keypass:env", "QUIESCE_CLUSTER_PASS"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("QUIESCE_CLUSTER_PASS", password);
        Process p = pb.start();
        p.getOutputStream().close();
        String output;
        try {
            output = new String(p.getInputStream().readNBytes(8192), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(keytool + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + keytool + " made the cluster key");
        }
        if (p.exitValue() != 0 || !Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(tmp);
            throw new IOException(keytool + " failed (exit " + p.exitValue() + "): " + output);
        }
        Files.setPosixFilePermissions(tmp, SecureFiles.FILE); // our new file in our 0700 folder
        SecureFiles.write(pass, (password + "\n").getBytes(StandardCharsets.US_ASCII));
        Files.move(tmp, store, StandardCopyOption.ATOMIC_MOVE);
        SecureFiles.syncFolder(folder);
        return load(home);
    }

    /**
     * Loads the cluster key of a home.
     *
     * @param home the platform's home
     * @return the key
     * @throws NoSuchFileException when the home has none, saying how to make or copy one
     * @throws IOException         when its files are refused (link, owner, mode, size) or do not hold a key
     */
    public static ClusterKey load(Path home) throws IOException {
        Path folder = home.resolve(FOLDER);
        Path store = folder.resolve(STORE);
        if (!Files.exists(store, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(store.toString(), null, "no cluster key: make one on one host with `quiesce cluster init`, "
                    + "then copy its " + FOLDER + "/ folder (mode 0700, files 0600) into $QUIESCE_HOME of every other host");
        }
        HomeFiles.folder(folder);
        byte[] bytes = HomeFiles.read(store, STORE_MAX, true);
        char[] password = new String(HomeFiles.read(folder.resolve(PASS), PASS_MAX, true), StandardCharsets.US_ASCII).trim().toCharArray();
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(new ByteArrayInputStream(bytes), password);
            if (!ks.isKeyEntry(ALIAS) || !(ks.getCertificate(ALIAS) instanceof X509Certificate cert)) {
                throw new IOException(store + " holds no cluster key (entry '" + ALIAS + "')");
            }
            cert.checkValidity();
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf.getKeyManagers(), new TrustManager[] {new Pinned(cert)}, new SecureRandom());
            return new ClusterKey(folder, cert, ctx);
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException("cannot use the cluster key " + store + ": " + e.getMessage(), e);
        }
    }

    /** @return the folder holding the key */
    public Path folder() {
        return folder;
    }

    /** @return the cluster's certificate */
    public X509Certificate certificate() {
        return certificate;
    }

    /** @return the SHA-256 of the certificate, as {@code ab:cd:...}; equal on every host of one cluster */
    public String fingerprint() {
        return fingerprint(certificate);
    }

    /** @return the TLS context: this key as our certificate, and only this certificate trusted */
    public SSLContext context() {
        return context;
    }

    static String fingerprint(X509Certificate cert) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            return HexFormat.ofDelimiter(":").formatHex(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Trusts exactly one certificate, whichever side presents it: the link's two ends hold the same key. */
    private record Pinned(X509Certificate cert) implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, "agent");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, "coordinator");
        }

        private void check(X509Certificate[] chain, String who) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the " + who + " presented no certificate");
            }
            if (!chain[0].equals(cert)) {
                throw new CertificateException("the " + who + "'s certificate (SHA-256 " + fingerprint(chain[0]).substring(0, 23)
                        + "...) is not this cluster's key (" + fingerprint(cert).substring(0, 23) + "...)");
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            // None named: a peer then sends whatever certificate it has, and check() can say whose it is, instead of
            // the peer sending none and the handshake failing with "empty certificate chain".
            return new X509Certificate[0];
        }
    }
}
