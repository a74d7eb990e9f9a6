import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source.js';

@Module({})
export class DatabaseModule {
  /** The process's TypeORM connection, with the entities its root module lists. */
  static forRoot(entities: Function[]): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            ...dataSourceOptions(config.env.DATABASE_URL, entities),
            migrationsRun: false,
          }),
        }),
      ],
    };
  }
}
