import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

public class Crash_b0fa718ccf8bcdee93c98202796162f8991eb6c7 {
    static final String base64Bytes = String.join("", "m/8AAAAABAAAQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQT09Iiwic2lnbWFzayI6MCwicnNlcVBvaW50ZXIiOjAsInJzZXFTaXplIjowLCJyc2VxU2lnbmF0dXJlIjowLCJ0aWRBZGRyZXNzIjowLCJyb2J1c3RIZWFkIjowLCJyb2J1c3RMZW4iOjB9XSwibW0iOnsic3RhcnRDb2RlIjo0MTk0MzA0LCJlbmRDb2RlIjo0MjAyNDk2LCJzdGFydERhdGEiOjYyOTE0NTYsImVuZERhdGEiOjYyOTU1NTIsInN0YXJ0QnJrIjo2Mjk5NjQ4LCJicmsiOjYzMDM3NDQsInN0YXJ0U3RhY2siOjIxNDc0Nzk1NTIsImFyZ1N0YXJ0IjoyMTQ3NDc5ODA4LCJhcmdFbmQiOjIxNDc0ODAwNjQsImVudlN0YXJ0IjoyMTQ3NDgwMDY0LCJlbnZFbmQiOjIxNDc0ODAzMjAsImF1eHYiOiJBQUFBQUFBQUFBQUFBQUFBQUFBQUFBPT0ifSwidm1hcyI6W3sic3RhcnQiOjU1NjU5NzcsImVuZCI6NDIwMjQ5NiwicGVybXMiOiJyLXhwIiwib2Zmc2V0IjowLCJpbm9kZSI6NSwicGF0aCI6Ii9iaW4vc2ltIiwicnVucyI6W10sInNobWVtIjowfSx7InN0YXJ0Ijo2Mjk5NjQ4LCJlbmQiOjYzMDc4NDAsInBlcm1zIjoicnctcCIsIm9mZnNldCI6MCwiaW5vZGUiOjAsInBhdGgiOiJbaGVhcF0iLCJydW5zIjpbeyJhZGRyZXNzIjo2Mjk5NjQ4LCJsZW5ndGgiOjQwOTYsImZpbGVPZmZzZXQiOjAsImNyYzMyYyI6N31dLCJzaG1lbSI6MH1dLCJwYWdlc0ZpbGUiOiJwYWdlcy00Mi5pbWciLCJwYWdlc0J5dGVzIjo0MDk2LCJmZHMiOlt7ImZkIjowLCJraW5kIjoiY2hhci1kZXZpY2UiLCJwYXRoIjoiL2Rldi9udWxsIiwib2Zmc2V0IjowLCJmbGFncyI6MCwic2hhcmUiOjEsImlub2RlIjo2fSx7ImZkIjozLCJraW5kIjoicmVndWxhciIsInBhdGgiOiIvdG1wL2RiIiwib2Zmc2V0IjoxMjgsImZsYWdzIjoyLCJzaGFyZSI6MiwiaW5vZGUiOjEyfV0sInNpZ2FjdGlvbnMiOlt7InNpZ25hbCI6MTUsImhhbmRsZXIiOjQxOTg2NTYsImZsYWdzIjo2NzEwODg2NCwi");

    public static void main(String[] args) throws Throwable {
        Crash_b0fa718ccf8bcdee93c98202796162f8991eb6c7.class.getClassLoader().setDefaultAssertionStatus(true);
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