/** Pictures one export takes at most: a sheet of 256 is 16x16 cells; more is a ZIP's job (the bulk bar's). */
export const MAX_EXPORT_FRAMES = 256;
