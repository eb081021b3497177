/**
 * The platforms' production hosts: the default of PLATFORM_BASE_URL_<PLATFORM> (operator configuration,
 * never a shop field). Tests and the demo set those variables to the simulators.
 */
export { PLATFORM_PRODUCTION_BASE_URL, PLATFORM_PRODUCTION_AUTHORIZE_URL } from '@app/platforms';
