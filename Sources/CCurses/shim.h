/* ncursesw with wide characters. Swift 6 refuses ncurses' global variables as shared mutable state, so the few the
   terminal module needs are read through these functions. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/ncurses.h>
#include <wchar.h>

static inline int invertlab_columns(void) { return COLS; }
static inline int invertlab_lines(void) { return LINES; }
static inline int invertlab_colours(void) { return COLORS; }
static inline int invertlab_colour_pairs(void) { return COLOR_PAIRS; }
static inline WINDOW *invertlab_screen(void) { return stdscr; }

/* Draws one wide character with a colour pair and attributes at (y, x). The pair goes through setcchar's extended
   argument, so pair numbers above 32767 work. */
static inline void invertlab_put(int y, int x, wchar_t character, int pair, int bold) {
    cchar_t cell;
    wchar_t text[2] = { character, 0 };
    setcchar(&cell, text, bold ? A_BOLD : A_NORMAL, 0, &pair);
    mvadd_wch(y, x, &cell);
}

/* Opens the screen with terminfo entry `name` on the standard streams; NULL when the entry is not installed. */
static inline SCREEN *invertlab_open_terminal(const char *name) { return newterm(name, stdout, stdin); }
