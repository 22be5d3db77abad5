import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

public class Crash_0e60319dbc431a352256389b57bf17525332c830 {
    static final String base64Bytes = String.join("", "AQAAAAAAAAB7CiAgIm1hZ2ljIiA6ICJxdWllc2NlLWNoZWNrcG9pbnQiLAogICJmb3JtYXRWZXJzaW9uIiA6IDQsCiAgImpvYklkIiA6ICI3IiwKICAiam9iTmFtZSIgOiAic2ltIiwKICAiYXJndiIgOiBbOiBudWxsbSIsICItbiIsICI4IiBdLAogICJlcG9jaCIgOiAzLAogICJjcmVhdGVkIiA6ICIyMDI2LTExLTI0VDEwOjAwOjAwWiIsCiAgImJhY2tlbmQiIDogInVzZXJzcGFjZSIsCiAgImZhYnJpanMiIDogWyAidGNwIiBdLAogICJob3N0cyIgOiBbIHsKICAgICJob3N0IiA6ICJoMSIsCiAgICAicHJvY2Vzc2VzIiA6IFsgXSwKICAgICJmaWxlcyIgOiBbICJwYWdlcy00Mi5pbTogbnVsbGciIF0KICB9IF0sCiAgImJ5dGVzIiA6IDgxOTIsCiAgIndhcm5pbmdzIiA6IFsgIlBJRHMgY2hhbmdlIiBdLAogICJmaWxlcyIgOiBbIH8KICAgICI/YW1lIiA6ICJwYWdlcy00Mi5pbWFhYXFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhIgogIH0gXQp9");

    public static void main(String[] args) throws Throwable {
        Crash_0e60319dbc431a352256389b57bf17525332c830.class.getClassLoader().setDefaultAssertionStatus(true);
        try {
            Method fuzzerInitialize = io.quiesce.fuzz.ManifestFuzzer.class.getMethod("fuzzerInitialize");
            fuzzerInitialize.invoke(null);
        } catch (NoSuchMethodException ignored) {
            try {
                Method fuzzerInitialize = io.quiesce.fuzz.ManifestFuzzer.class.getMethod("fuzzerInitialize", String[].class);
                fuzzerInitialize.invoke(null, (Object) args);
            } catch (NoSuchMethodException ignored1) {
            } catch (IllegalAccessException | InvocationTargetException e) {
                e.printStackTrace();
                System.exit(1);
            }
        } catch (IllegalAccessException | InvocationTargetException e) {
            e.printStackTrace();
            System.exit(1);
        }
        byte[] input = java.util.Base64.getDecoder().decode(base64Bytes);
        io.quiesce.fuzz.ManifestFuzzer.fuzzerTestOneInput(input);
    }
}