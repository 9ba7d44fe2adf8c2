# Runs a command on a pseudo-terminal, as a WebContainer's spawn with `terminal` does, for the probe's tests (Node has
# no pty of its own). Each line on stdin is a JSON command, {"write": text} (typed into the terminal) or
# {"resize": [cols, rows]}; what the terminal shows goes to stdout; the exit code is the command's.
import fcntl, json, os, pty, select, struct, sys, termios

def resize(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
resize(fd, 80, 24)
commands, watched = b'', [fd, 0]
while True:
    ready, _, _ = select.select(watched, [], [])
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:  # the command exited and closed the terminal
            data = b''
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        chunk = os.read(0, 65536)
        if not chunk:
            watched = [fd]
        commands += chunk
        while b'\n' in commands:
            line, commands = commands.split(b'\n', 1)
            command = json.loads(line)
            if 'write' in command:
                os.write(fd, command['write'].encode())
            if 'resize' in command:
                resize(fd, *command['resize'])
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
