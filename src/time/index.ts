/**
 * The team calendar, one door: calendar days and periods in the team's time zone
 * (calendar.ts), strict parsing of dates typed by people (parse.ts), cron slot arithmetic
 * (cron.ts). Every calendar question in dealcast is answered here.
 */
export * from './calendar.js';
export * from './parse.js';
export * from './cron.js';
export * from './fiscal.js';
