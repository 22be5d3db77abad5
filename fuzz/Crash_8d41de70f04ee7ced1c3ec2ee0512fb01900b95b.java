import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

public class Crash_8d41de70f04ee7ced1c3ec2ee0512fb01900b95b {
    static final String base64Bytes = String.join("", "eyJtYWdpYyI6InF1aWVzY2UtZmFiZnV6ei90Y3AuanNvKG51bGwpbjogaXMgbm90IGEgdmVyc2lvbiAxIFRDUCBmYWJyaWMgaW1hZ2UgKG1hZ2ljIHF1aWVzY3JpYy10Y3AiLCJmbyI6ZmFsc2UsIm5zIjpbXSwiaW5jb21pbmciOnsiJmZlZ3kiOiJwZWVrIn19XX0=");

    public static void main(String[] args) throws Throwable {
        Crash_8d41de70f04ee7ced1c3ec2ee0512fb01900b95b.class.getClassLoader().setDefaultAssertionStatus(true);
        try {
            Method fuzzerInitialize = io.quiesce.fabric.tcp.TcpImageFuzzer.class.getMethod("fuzzerInitialize");
            fuzzerInitialize.invoke(null);
        } catch (NoSuchMethodException ignored) {
            try {
                Method fuzzerInitialize = io.quiesce.fabric.tcp.TcpImageFuzzer.class.getMethod("fuzzerInitialize", String[].class);
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
        io.quiesce.fabric.tcp.TcpImageFuzzer.fuzzerTestOneInput(input);
    }
}