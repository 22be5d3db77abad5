import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

public class Crash_d866db1df3d5441747ff1ee0d0976b3a9efee762 {
    static final String base64Bytes = String.join("", "ewogICJtYWdpYyIgOiAicXVpZXNjZS1jaGVja3BvaW50IiwKICAiZm9ybWF0VmVyc2lvbiIgOiAyLAogICJqb2JJZCIgOiAiNyIsCiAgImpvYk5hbWUiIDogInNpbSIsCiAgImFyZ3YiIDogWyAiLi9zaW0iLCAiLW4iLCAiNCIgXSwKICAiZXBvY2giIDogMywKICAiY3JlYXRlZCIgOiAiMjAyNi0xMS0yNFQxMDowMDowMFoiLAogICJiYWNrZW5kIiA6ICJ1c2Vyc3BhY2UiLAogICJmYWJyaWNzIiA6IFsgInRjcCIgXSwKICAiaG9zdHMiIDogWyB7CiAgICAiaG9zdCIgOiAiaDEiLAogICAgInByb2Nlc3NlcyIgOiBbIF0sCiAgICAiZmlsZXMiIDogWyAicGFnZXMtNDIuaW1nIiBdCiAgfSBdLAogICJieXRlcyIgOiA4MTkyLAogICJ3YXJuaW5ncyIgOiBbICJQSURzIGNoYW5nZSIgXSwKICAiZmlsZXMiIDogWyB7CiAgICAibmFtZSIgOiAicGFnZXMobnVsbClnIiwKICAgICJzaXplIiA6IDgxOTIsCiAgICAic2hhMjU2IiA6ICIwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwIgogIH0sIHsKICAgICJuYW1lIiA6ICJyZXN0YXJ0LnNoIiwKICAgICJzaXplIiA6IDkwLAogICAgInNoYTI1NiIgOiAiYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYSIKICB9IF0KfQ==");

    public static void main(String[] args) throws Throwable {
        Crash_d866db1df3d5441747ff1ee0d0976b3a9efee762.class.getClassLoader().setDefaultAssertionStatus(true);
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