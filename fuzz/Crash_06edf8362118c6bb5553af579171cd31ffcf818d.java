import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

public class Crash_06edf8362118c6bb5553af579171cd31ffcf818d {
    static final String base64Bytes = String.join("", "AXsibWFnaWMiOiJxdWllc2NlLXVzZXJzcGFjZS1pbmRleCIsIkZvcm1hdFZlcnNpb24iOjEsInByb2Nlc3NlcyI6WyJwcm9jZXNzLTQyLmpzb24iXSwicGlwZXMiOkVycm9yW3siaW5vZGUiOjc3LCJyZWFkU2hhcmUiOjEsIndyaXRlU2hhcmUiOjIsImNhcGFjaXR5Ijo2NTUzNiwiZGF0YUZpbGUiOiJwaXBlLTc3LmltZyIsImJ5dGVzIjo1LCJmaWZvIjpmYWxzZX1dLCJwaWROYW1lc3BhY2UiOnRydWUsImdob3N0cyI6W10sInpvbWJpZXMiOltdLCJ3cml0dGVuIjpbeyJwYXRoIjoiL3RtcC9kYiIsInNpemUiOjQwOTYsIm10aW1lTnMiOjE3MDAwMDAwMDAwMDAwMDAwMDAsImlub2RlIjoxMiwiY29weSI6bnVsbH1dfQ==");

    public static void main(String[] args) throws Throwable {
        Crash_06edf8362118c6bb5553af579171cd31ffcf818d.class.getClassLoader().setDefaultAssertionStatus(true);
        try {
            Method fuzzerInitialize = io.quiesce.fuzz.ProcessImageFuzzer.class.getMethod("fuzzerInitialize");
            fuzzerInitialize.invoke(null);
        } catch (NoSuchMethodException ignored) {
            try {
                Method fuzzerInitialize = io.quiesce.fuzz.ProcessImageFuzzer.class.getMethod("fuzzerInitialize", String[].class);
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
        io.quiesce.fuzz.ProcessImageFuzzer.fuzzerTestOneInput(input);
    }
}