import { Module } from '@nestjs/common';
import { OpsPageController } from './ops-page.controller';

/** `/` -> `/ops`, the ops page and its assets (public static files; every data call needs a key) */
@Module({ controllers: [OpsPageController] })
export class OpsPageModule {}
